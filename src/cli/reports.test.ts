import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComplianceReportSchema, type ComplianceReport } from '../report/compliance.js';
import { REPORT_FILES } from '../report/write-reports.js';
import { packageRoot } from '../package-root.js';

const cli = (args: string[], env: Record<string, string> = {}) =>
  execa('node', [join(packageRoot(), 'dist/cli/main.js'), ...args], { reject: false, cwd: packageRoot(), env, all: true });

// Two files, so that each of two shards gets one; lifecycle/delete holds the requirement the fault mode breaks.
const SUITES = ['--suite', 'lifecycle/delete', '--suite', 'state'];

async function report(path: string): Promise<ComplianceReport> {
  return ComplianceReportSchema.parse(JSON.parse(await readFile(path, 'utf8')));
}

const verdicts = (r: ComplianceReport): Record<string, string> =>
  Object.fromEntries(r.runs.flatMap((run) => run.results.map((x) => [`${run.runtime.key} ${x.requirement}`, x.status])));

/**
 * The report pipeline end to end, on real fake-runtime runs: every format written, shards merged
 * into the verdicts of the whole, and the gate catching a regression from a fault mode.
 */
describe('rtconform run reports, report, compare and --baseline', () => {
  let out: DirectoryResult;
  const at = (...parts: string[]): string => join(out.path, ...parts);
  let gated: Awaited<ReturnType<typeof cli>>;

  beforeAll(async () => {
    out = await dir({ prefix: 'rtconform-reports-', unsafeCleanup: true });
    const whole = await cli(['run', '--runtime', 'fake', ...SUITES, '--out', at('whole')]);
    expect(whole.exitCode, whole.all).toBe(0);
    // Side by side: each run has its own out dir and state root.
    const [gatedRun, ...parts] = await Promise.all([
      cli(['run', '--runtime', 'fake', ...SUITES, '--out', at('faulty'), '--baseline', at('whole', 'compliance.json')], { RTCONFORM_FAKE_FAULTS: 'delete-running-accepted' }),
      ...['1/2', '2/2'].map((shard) => cli(['run', '--runtime', 'fake', ...SUITES, '--shard', shard, '--out', at(`shard-${shard[0]}`)])),
    ]);
    for (const part of parts) expect(part.exitCode, part.all).toBe(0);
    gated = gatedRun!;
  }, 300_000);
  afterAll(async () => out?.cleanup());

  it('a run writes every format, and allure results labelled with runtime, target, requirement, level and spec link', async () => {
    const files = await readdir(at('whole'));
    expect(files).toEqual(expect.arrayContaining([...Object.values(REPORT_FILES), 'allure-results']));
    const results = (await readdir(at('whole', 'allure-results'))).filter((f) => f.endsWith('-result.json'));
    expect(results.length).toBeGreaterThan(10);
    const first = JSON.parse(await readFile(at('whole', 'allure-results', results[0]!), 'utf8')) as {
      labels: { name: string; value: string }[]; links: { url: string; type?: string }[];
    };
    const labels = Object.fromEntries(first.labels.map((l) => [l.name, l.value]));
    expect(labels).toMatchObject({ runtime: 'fake', target: 'host', parentSuite: expect.stringMatching(/^fake › /) });
    expect(labels.requirement).toMatch(/^[\w.-]+$/);
    expect(['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY']).toContain(labels.level);
    expect(first.links.find((l) => l.type === 'spec')?.url).toMatch(/^https:\/\/github\.com\/opencontainers\/runtime-spec\/blob\/v1\.2\.0\/[\w-]+\.md#|runc/);
  });

  it('two shards merge into the verdicts of the unsharded run', async () => {
    const [one, two] = [await report(at('shard-1', 'compliance.json')), await report(at('shard-2', 'compliance.json'))];
    expect(Object.keys(verdicts(one)).length, 'each shard checks part of the requirements').toBeLessThan(Object.keys(verdicts(await report(at('whole', 'compliance.json')))).length);
    expect(Object.keys(verdicts(two)).length).toBeGreaterThan(0);
    const merged = await cli(['report', at('shard-1'), at('shard-2'), '--out', at('merged')]);
    expect(merged.exitCode, merged.all).toBe(0);
    expect(verdicts(await report(at('merged', 'compliance.json')))).toEqual(verdicts(await report(at('whole', 'compliance.json'))));
    expect(await readdir(at('merged'))).toEqual(expect.arrayContaining(Object.values(REPORT_FILES)));
  });

  it('report --allure renders one offline allure page', async () => {
    const result = await cli(['report', at('whole'), '--allure']);
    expect(result.exitCode, result.all).toBe(0);
    const html = await readFile(at('whole', 'allure-report', 'index.html'), 'utf8');
    expect(html.length).toBeGreaterThan(10_000);
    const remote = html.match(/<(?:script|link|img)[^>]+(?:src|href)=["']https?:[^"']*/gi) ?? [];
    expect(remote, 'scripts, styles or images loaded from the network').toEqual([]);
  }, 120_000);

  it('run --baseline exits 1 and names the MUST regression', () => {
    expect(gated.exitCode, gated.all).toBe(1);
    expect(gated.stdout).toMatch(/Regressions \(pass → fail\): 1\n\s+fake\s+MUST\s+delete\.not-stopped/);
  });

  it('compare exits 1 on the same two reports; --json names it; the other way round is a fix', async () => {
    const [clean, faulty] = [at('whole', 'compliance.json'), at('faulty', 'compliance.json')];
    const text = await cli(['compare', clean, faulty]);
    expect(text.exitCode, text.all).toBe(1);
    expect(text.stdout).toContain('1 MUST regression.');
    const json = JSON.parse((await cli(['compare', '--json', clean, faulty])).stdout) as { mandatoryRegressions: { runtime: string; requirement: string }[] };
    expect(json.mandatoryRegressions.map((c) => `${c.runtime} ${c.requirement}`)).toEqual(['fake delete.not-stopped']);
    const back = await cli(['compare', faulty, clean]);
    expect(back.exitCode, back.all).toBe(0);
    expect(back.stdout).toMatch(/Fixes \(fail → pass\): 1/);
  });

  it('bad input is refused with the reason: a baseline that is no report, a missing file, a bad shard, a suite file that is not there', async () => {
    const bogus = at('bogus.json');
    await writeFile(bogus, '{"runs": 3}');
    const run = await cli(['run', '--runtime', 'fake', '--suite', 'state', '--out', at('never'), '--baseline', bogus]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${bogus} is not an rtconform compliance report`);
    const missing = await cli(['compare', at('nope.json'), bogus]);
    expect([missing.exitCode, missing.stderr]).toEqual([2, expect.stringContaining('cannot read the report')]);
    const shard = await cli(['run', '--shard', '3/2']);
    expect([shard.exitCode, shard.stderr]).toEqual([2, expect.stringContaining('--shard wants I/N')]);
    const file = await cli(['run', '--suite', 'lifecycle/nope']);
    expect([file.exitCode, file.stderr]).toEqual([2, expect.stringContaining('suite lifecycle has no file nope.test.ts; its files: lifecycle/create,')]);
  });
});

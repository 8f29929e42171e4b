import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport, RuntimeRun } from '../report/compliance.js';
import { judgedRun } from '../report/testdata/declared-failures.js';
import { HarnessError } from './harness-error.js';
import { requirementsCommand, type NeverPassed } from './requirements.js';

const report = (...runs: RuntimeRun[]): ComplianceReport => ({
  schemaVersion: 2, tool: { name: 'rtconform', version: 'test' }, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z',
  durationMs: 60_000, interrupted: false, runs,
});

/**
 * a.json: runc judged against 1.0.2 (state.id declared). b.json: crun judged against 1.1.0, and
 * runc again (so two columns read "runc 1.0.0 · host"), with fewer results.
 */
const A = report(judgedRun('runc', '1.0.2', ['state.id'], [
  ['state.id', 'fail'], ['state.pid', 'fail'], ['state.annotations', 'skip'], ['state.status-values', 'fail'],
  ['linux.namespaces.new-time', 'fail'], ['config.mounts.idmap-without-mapping', 'fail'], ['bundle.config-json', 'error'], ['cli.exec.env', 'pass'],
]));
const B = report(
  judgedRun('crun', '1.1.0', [], [
    ['state.id', 'fail'], ['state.pid', 'fail'], ['state.annotations', 'skip'], ['state.status-values', 'pass'],
    ['linux.namespaces.new-time', 'skip'], ['config.mounts.idmap-without-mapping', 'fail'], ['bundle.config-json', 'skip'], ['cli.exec.env', 'pass'],
  ]),
  judgedRun('runc', '1.0.2', ['state.id'], [['state.id', 'fail'], ['state.annotations', 'skip']]),
);

describe('rtconform requirements --never-passed', () => {
  let work: { path: string; cleanup: () => Promise<void> };
  let a: string;
  let b: string;
  beforeAll(async () => {
    work = await dir({ prefix: 'rtconform-never-passed-', unsafeCleanup: true });
    a = join(work.path, 'a', 'compliance.json');
    b = join(work.path, 'b', 'compliance.json');
    await mkdir(join(work.path, 'a'));
    await mkdir(join(work.path, 'b'));
    await writeFile(a, JSON.stringify(A));
    await writeFile(b, JSON.stringify(B));
  });
  afterAll(async () => work.cleanup());

  async function command(...args: string[]): Promise<string> {
    let text = '';
    const out = new Writable({ write: (chunk: Buffer, _enc, done) => { text += chunk.toString(); done(); } });
    expect(await requirementsCommand(args, out)).toBe(0);
    return text;
  }

  it('--json: each requirement no run passed, grouped, with every run\'s verdict and reason', async () => {
    const found = JSON.parse(await command('--never-passed', a, join(work.path, 'b'), '--json')) as NeverPassed;
    expect(found.reports).toEqual([a, b]);
    const runc = `runc 1.0.0 · host (${a})`;
    const runcB = `runc 1.0.0 · host (${b})`;
    const crun = 'crun 1.0.0 · host';
    expect(found.runs).toEqual([
      { label: runc, report: a, runtime: 'runc', version: '1.0.0', judgedAgainst: '1.0.2' },
      { label: crun, report: b, runtime: 'crun', version: '1.0.0', judgedAgainst: '1.1.0' },
      { label: runcB, report: b, runtime: 'runc', version: '1.0.0', judgedAgainst: '1.0.2' },
    ]);
    // Passed somewhere: state.status-values (crun) and cli.exec.env are not listed.
    expect(found.requirements.map((r) => [r.group, r.requirement])).toEqual([
      ['failing', 'state.id'], ['failing', 'state.pid'],
      ['skipped', 'state.annotations'],
      ['outside', 'config.mounts.idmap-without-mapping'],
      ['mixed', 'bundle.config-json'], ['mixed', 'linux.namespaces.new-time'],
    ]);
    const byId = new Map(found.requirements.map((r) => [r.requirement, r]));
    expect(byId.get('state.id')!.runs).toEqual([
      { run: runc, verdict: 'expected-fail', status: 'fail', reason: 'state.id came to fail', declared: 'runc is known to break state.id' },
      { run: crun, verdict: 'fail', status: 'fail', reason: 'state.id came to fail' },
      { run: runcB, verdict: 'expected-fail', status: 'fail', reason: 'state.id came to fail', declared: 'runc is known to break state.id' },
    ]);
    expect(byId.get('state.id')!.link).toBe('https://github.com/opencontainers/runtime-spec/blob/v1.0.2/runtime.md#state');
    expect(byId.get('state.pid')!.notRunIn).toEqual([runcB]);
    expect(byId.get('state.annotations')!.runs.map((v) => [v.verdict, v.reason])).toEqual([
      ['skip', 'state.annotations came to skip'], ['skip', 'state.annotations came to skip'], ['skip', 'state.annotations came to skip'],
    ]);
    expect(byId.get('config.mounts.idmap-without-mapping')).toMatchObject({ since: '1.2.0', runs: [{ verdict: 'beyond-target', status: 'fail' }, { verdict: 'beyond-target', status: 'fail' }] });
    expect(byId.get('linux.namespaces.new-time')!.runs.map((v) => v.verdict)).toEqual(['beyond-target', 'skip']);
    expect(byId.get('bundle.config-json')!.runs.map((v) => v.verdict)).toEqual(['error', 'skip']);
  });

  it('as text: the runs read, then each group with every run\'s verdict and reason', async () => {
    const text = await command('--never-passed', a, b);
    expect(text).toMatch(/^requirements no run passed: 6, in 2 reports \(3 runs\)\n/);
    expect(text).toContain(`  crun 1.0.0 · host: ${b}, judged against spec 1.1.0\n`);
    const sections = text.split('\n\n').slice(1).map((s) => s.split('\n')[0]);
    expect(sections).toEqual([
      'failing everywhere (or failing as declared): 2', 'skipped everywhere: 1', 'outside every judged spec release: 1', 'mixed: 2',
    ]);
    expect(text).toContain('  MUST       state.id — State reports the id the container was created with. (spec 1.0.0+)\n');
    expect(text).toMatch(/\n {13}runc 1\.0\.0 · host \(\S+a\/compliance\.json\) +fails as declared — state\.id came to fail; declared: runc is known to break state\.id\n/);
    expect(text).toMatch(/\n {13}crun 1\.0\.0 · host +newer than judged \(came to fail\) — config\.mounts\.idmap-without-mapping came to fail\n/);
    expect(text).toMatch(/\n {13}not run in runc 1\.0\.0 · host \(\S+b\/compliance\.json\)\n/);
  });

  it('says so when every requirement passed somewhere, refuses no report, a file that is no report, and reports without it', async () => {
    const clean = join(work.path, 'clean.json');
    await writeFile(clean, JSON.stringify(report(judgedRun('fake', '1.2.0', [], [['state.id', 'pass'], ['state.pid', 'pass']]))));
    expect(await command('--never-passed', clean)).toContain('requirements no run passed: 0, in 1 report (1 run)\n  fake 1.0.0 · host: '
      + `${clean}, judged against spec 1.2.0\n\nevery requirement in these reports passed in at least one run\n`);
    await expect(requirementsCommand(['--never-passed'])).rejects.toThrow(HarnessError);
    await expect(requirementsCommand(['--never-passed'])).rejects.toThrow(/wants one or more reports/);
    await expect(requirementsCommand(['--never-passed', '--uncovered', a])).rejects.toThrow(/give one/);
    await expect(requirementsCommand([a])).rejects.toThrow(/only with --never-passed/);
    const notReport = join(work.path, 'not-a-report.json');
    await writeFile(notReport, '{"runs": 3}');
    await expect(requirementsCommand(['--never-passed', notReport])).rejects.toThrow(/is not an rtconform compliance report/);
  });
});

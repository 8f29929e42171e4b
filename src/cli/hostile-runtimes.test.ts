import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema, type RuntimeRun } from '../report/compliance.js';
import { verdictOf } from '../report/verdict.js';
import { requirementIdsIn } from '../requirements/coverage.js';
import { packageRoot } from '../package-root.js';

const CLI = (): string => join(packageRoot(), 'dist/cli/main.js');
const HOSTILE = (): string => join(packageRoot(), 'src/cli/testdata/hostile');
/** The lifecycle files that test what the hostile runtimes break (a run of the whole suite proves no more). */
const SUITE_FILES = ['create', 'start', 'kill', 'delete', 'missing-id'].map((f) => `lifecycle/${f}`);

/**
 * Broken and hostile runtimes, each a small script in testdata/hostile/ that wraps the fake and
 * misbehaves in one way: whatever they do, a run ends in bounded time and memory with a complete
 * report, every requirement judged on what the runtime did (fail), never on our machinery (error).
 */
interface Hostile {
  script: string;
  exitCode: number;
  /** Requirements that must fail, and what their reason must say. */
  fails: Record<string, RegExp>;
  /** Requirements the broken verb does not touch: they still pass. */
  passes: string[];
  /** A short limit for one call, for a runtime that hangs (the others get the default). */
  callTimeoutMs?: number;
  /**
   * A run of its own: a short call timeout, or waits (10 s for output that never comes, 3 s of
   * held pipes per call) that would stretch a shared run past its time bound.
   */
  alone?: true;
}

const STATE_BROKEN = ['create.status-created', 'start.status-running'];
const UNTOUCHED = ['start.missing-id', 'kill.missing-id', 'delete.missing-id'];
const hostile: Hostile[] = [
  { script: 'state-wrong-shape', exitCode: 1, fails: Object.fromEntries(STATE_BROKEN.map((r) => [r, /state printed output that is not what the runc CLI contract expects.*id/])), passes: UNTOUCHED },
  { script: 'state-not-json', exitCode: 1, fails: Object.fromEntries(STATE_BROKEN.map((r) => [r, /not JSON.*the container is doing fine/])), passes: UNTOUCHED },
  { script: 'state-hangs', exitCode: 1, callTimeoutMs: 1500, alone: true, fails: Object.fromEntries(STATE_BROKEN.map((r) => [r, /did not finish within 1500 ms and was killed/])), passes: UNTOUCHED },
  { script: 'stdout-flood', exitCode: 1, fails: Object.fromEntries(STATE_BROKEN.map((r) => [r, /not JSON.*characters in all/])), passes: UNTOUCHED },
  {
    script: 'does-nothing', exitCode: 1, passes: [],
    fails: { 'start.missing-id': /accepted the call; it should have refused it/, 'start.runs-process': /state printed output|waiting for output/ },
  },
  // Output held open, or 5 MB of stderr on every refusal, change no verdict: they only must not hang or bloat.
  { script: 'stdout-held-open', exitCode: 0, alone: true, fails: {}, passes: [...STATE_BROKEN, ...UNTOUCHED] },
  { script: 'stderr-flood-line', exitCode: 0, fails: {}, passes: [...UNTOUCHED, 'delete.unknown-id', 'start.unknown-id'] },
  {
    script: 'drops-last-arg', exitCode: 1, alone: true, passes: [...UNTOUCHED, 'create.status-created'],
    fails: { 'start.runs-process': /hello-from-container/, 'kill.delivers-signal': /ready/ },
  },
];

async function suiteRequirements(): Promise<string[]> {
  const ids = await Promise.all(SUITE_FILES.map(async (f) => requirementIdsIn(await readFile(join(packageRoot(), 'suites', `${f}.test.ts`), 'utf8'))));
  return [...new Set(ids.flat())].sort();
}

/** What one `rtconform run` printed, how it ended and took, its report's runs and the size of each report file. */
interface HostileRun { all: string; exitCode: number | undefined; seconds: number; runs: RuntimeRun[]; sizes: Record<string, number> }

/**
 * `rtconform run` against hostile scripts, each declared like the fake (one run of the report per
 * script), with the report in a temp dir that is gone afterwards.
 */
async function runHostile(scripts: string[], args: string[], env: Record<string, string> = {}): Promise<HostileRun> {
  const work = await dir({ prefix: 'rtconform-hostile-', unsafeCleanup: true });
  try {
    const declarations = await Promise.all(scripts.map(async (script) => {
      const declaration = join(work.path, `${script}.json`);
      await writeFile(declaration, JSON.stringify({ name: script, like: 'fake', binary: join(HOSTILE(), `${script}.sh`) }));
      return declaration;
    }));
    const out = join(work.path, 'out');
    const started = Date.now();
    const result = await execa('node', [CLI(), 'run', ...declarations.flatMap((d) => ['--runtime-config', d]), ...args, '--out', out], { reject: false, all: true, timeout: 170_000, env });
    const seconds = (Date.now() - started) / 1000;
    const report = ComplianceReportSchema.parse(JSON.parse(await readFile(join(out, 'compliance.json'), 'utf8')));
    expect(report.interrupted, result.all).toBe(false);
    const sizes: Record<string, number> = {};
    for (const file of ['compliance.json', 'junit.xml', 'compliance.html']) sizes[file] = (await stat(join(out, file))).size;
    return { all: String(result.all), exitCode: result.exitCode, seconds, runs: report.runs, sizes };
  } finally {
    await work.cleanup();
  }
}

/** Processes whose command line holds `mark`, with it. */
function processesNaming(mark: string): [pid: number, cmdline: string][] {
  const found: [number, string][] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(mark)) found.push([Number(entry), cmdline.replaceAll('\0', ' ').trim()]);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The scripts that share a run with `h`: itself alone, or every script not marked alone. */
const runMates = (h: Hostile): Hostile[] => (h.alone ? [h] : hostile.filter((x) => !x.alone));

/**
 * The run a script's test reads, started by the first test that asks for it. Scripts not marked
 * alone share one run as runtimes of their own: a run's fixed cost (vitest, its workers, ~2 CPU-s)
 * is paid once, and they misbehave side by side as several runtimes of one run may.
 */
const runs = new Map<string, Promise<HostileRun>>();
function runOf(h: Hostile): Promise<HostileRun> {
  const key = h.alone ? h.script : '(shared)';
  let run = runs.get(key);
  if (run === undefined) {
    const timeout = h.callTimeoutMs === undefined ? [] : ['--call-timeout', String(h.callTimeoutMs)];
    run = runHostile(runMates(h).map((x) => x.script), [...SUITE_FILES.flatMap((f) => ['--suite', f]), ...timeout]);
    runs.set(key, run);
  }
  return run;
}

// Concurrent: most of each run is waiting out a hang or a held pipe, not CPU.
describe.concurrent('a run against a broken or hostile runtime still ends with a complete report', () => {
  for (const h of hostile) {
    it(h.script, async () => {
      const { all, exitCode, seconds, runs, sizes } = await runOf(h);
      const run = runs.find((r) => r.runtime.name === h.script);
      if (run === undefined) throw new Error(`the report has no run of ${h.script}:\n${all}`);
      // The run exits 1 if any of its runtimes fails a MUST; this one's own count says whether it did.
      expect(exitCode, all).toBe(Math.max(...runMates(h).map((x) => x.exitCode)));
      expect(run.summary.mandatoryFailed > 0 ? 1 : 0, `${h.script}'s MUST failures`).toBe(h.exitCode);
      // Complete: every requirement the suite tests is there, and none is blamed on rtconform.
      expect(run.results.map((r) => r.requirement)).toEqual(await suiteRequirements());
      expect(run.results.filter((r) => r.status === 'error').map((r) => `${r.requirement}: ${r.reason}`)).toEqual([]);
      for (const [requirement, reason] of Object.entries(h.fails)) {
        const r = run.results.find((x) => x.requirement === requirement);
        expect(r && verdictOf(r), requirement).toBe('fail');
        expect(r?.reason, requirement).toMatch(reason);
      }
      for (const requirement of h.passes) {
        const r = run.results.find((x) => x.requirement === requirement);
        expect(r && `${verdictOf(r)} ${r.reason ?? ''}`, requirement).toBe('pass ');
      }
      // Bounded: whatever it printed, the reports stay small, and the run took its time limits only.
      for (const [file, size] of Object.entries(sizes)) expect(size, file).toBeLessThan(2_000_000);
      expect(seconds).toBeLessThan(150);
    }, 180_000);
  }

  it('with --retries, a requirement whose attempts disagree is flaky, with each attempt\'s reason', async () => {
    const { all, exitCode, runs: [run] } = await runHostile(['first-state-lies'], [...SUITE_FILES.flatMap((f) => ['--suite', f]), '--retries', '2']);
    expect(exitCode, all).toBe(0);
    if (run === undefined) throw new Error(`the report has no run:\n${all}`);
    const flaky = run.results.filter((r) => r.verdict === 'flaky');
    expect(flaky.map((r) => r.requirement), all).toHaveLength(1);
    const attempts = flaky[0]!.tests.flatMap((t) => t.attempts ?? []);
    expect(attempts.map((a) => a.status)).toEqual(['fail', 'pass']);
    expect(attempts[0]!.reason).toMatch(/not JSON.*not today/);
    expect(run.summary).toMatchObject({ flaky: 1, fail: 0, error: 0 });
    expect(all).toMatch(/FLAKY .* attempts disagree \(fail, pass\)/);
  }, 120_000);

  it('a runtime that leaves a process in the call\'s process group on every call, create included, leaves none once the run is over', async () => {
    const mark = `rtconform-leftover-${randomBytes(4).toString('hex')}`;
    const work = await dir({ prefix: 'rtconform-leftovers-', unsafeCleanup: true });
    try {
      const log = join(work.path, 'left.log');
      const { all, exitCode, runs: [run] } = await runHostile(['leaves-processes'], SUITE_FILES.flatMap((f) => ['--suite', f]), { RTCONFORM_HOSTILE_MARK: mark, RTCONFORM_HOSTILE_LOG: log });
      if (run === undefined) throw new Error(`the report has no run:\n${all}`);
      // It is the fake otherwise: every requirement passes as the fake's do.
      expect(exitCode, all).toBe(0);
      expect(run.summary).toMatchObject({ fail: 0, error: 0 });
      const left = (await readFile(log, 'utf8')).trim().split('\n');
      expect(left.filter((l) => l.startsWith('create ')).length, 'creates that left a process').toBeGreaterThan(5);
      expect(left.length).toBeGreaterThan(20);
      expect(processesNaming(mark), `processes the runtime left (of ${left.length})`).toEqual([]);
    } finally {
      for (const [pid] of processesNaming(mark)) process.kill(pid, 'SIGKILL');
      await work.cleanup();
    }
  }, 180_000);

  it('a runtime that cannot run is a harness error before any test: a directory, no run bit, a failing --version', async () => {
    const work = await dir({ prefix: 'rtconform-unrunnable-', unsafeCleanup: true });
    try {
      const notExecutable = join(work.path, 'not-executable');
      await writeFile(notExecutable, '#!/bin/sh\nexit 0\n');
      const versionFails = join(work.path, 'version-fails');
      await writeFile(versionFails, '#!/bin/sh\necho "no version for you" >&2\nexit 3\n');
      await chmod(versionFails, 0o755);
      const subdir = join(work.path, 'a-directory');
      await mkdir(subdir);
      const cases: [string, RegExp][] = [
        [subdir, /is a directory, not a runtime binary/],
        [notExecutable, /is not executable/],
        [versionFails, /--version failed.*exit 3.*no version for you/],
      ];
      for (const [runtime, message] of cases) {
        const out = join(work.path, 'out');
        const started = Date.now();
        const result = await execa('node', [CLI(), 'run', '--runtime', runtime, '--out', out], { reject: false, all: true, env: { PATH: process.env.PATH } });
        expect(result.exitCode, result.all).toBe(2);
        expect(result.all).toMatch(message);
        expect(result.all).not.toMatch(/RUN|✓|passed/);
        expect(Date.now() - started).toBeLessThan(15_000);
        await expect(stat(join(out, 'compliance.json'))).rejects.toThrow();
      }
    } finally {
      await work.cleanup();
    }
  }, 60_000);
});

import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { CgroupView } from '../container/target-container.js';
import {
  CGROUP_VIEW_ENV, CONTAINER_MODE_ENV, CONTAINER_RUNTIMES_ENV, IMAGE_ENV, containerTargetProblem,
} from '../fixtures/container-selection.js';
import { RETRIES_ENV, RUNTIMES_ENV, selectRuntimes, SPEC_VERSION_ENV, type RuntimeSelection } from '../fixtures/selection.js';
import { finalSweep } from '../fixtures/sweep.js';
import { ComplianceReportSchema, type ComplianceReport } from '../report/compliance.js';
import { PARTIAL_NOTE } from '../report/compliance-reporter.js';
import { writeReports } from '../report/write-reports.js';
import { executableProblem } from '../runtime/process-runner.js';
import { openRuntime, packageRoot } from '../runtime/resolve.js';
import { CHILD_OPTIONS_ENV, type ChildOptions } from './child-options.js';
import { baselineGate } from './compare.js';
import { readComplianceReport } from './read-report.js';
import { HarnessError } from './harness-error.js';
import { printSummary } from './summary.js';

export interface RunCommandOptions {
  runtimes: string[];
  suites: string[];
  outDir: string;
  callTimeoutMs: number | undefined;
  /** Run the runtimes inside a target container instead of on the host. */
  container?: { image: string; cgroupView: CgroupView };
  /** An earlier compliance.json: the exit code then says whether a MUST verdict regressed. */
  baseline?: string;
  /** Judge every runtime against this runtime-spec version instead of the one it declares. */
  specVersion?: string;
  /** How many times a failed test runs again; attempts that disagree make its requirement flaky. */
  retries?: number;
  /** Run only this part of the suites' files (vitest --shard); `rtconform report` merges the parts. */
  shard?: { index: number; count: number };
}

export function availableSuites(): string[] {
  const dir = join(packageRoot(), 'suites');
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/**
 * Checks everything a run needs before starting vitest, so bad input fails fast and clearly:
 * an explicitly chosen runtime that cannot run here is a harness error, not a skip.
 */
async function preflight(options: RunCommandOptions): Promise<RuntimeSelection[]> {
  const known = availableSuites();
  for (const suite of options.suites) {
    if (!known.includes(suite)) throw new HarnessError(`unknown suite "${suite}"; available: ${known.join(', ')}`);
  }
  if (options.container) {
    // Whether each runtime is in the image is checked once the target containers are up.
    if (options.runtimes.includes('fake')) throw new HarnessError('the fake runtime runs on the host only: drop --in-container, or choose runc, crun or a path inside the image');
    const problem = await containerTargetProblem(options.container.image);
    if (problem !== undefined) throw new HarnessError(`--in-container: ${problem}`);
    return [];
  }
  // The fake's root is set per run dir by the global setup and the final sweep.
  const selections = selectRuntimes(options.runtimes, '').map((s) => ({ ...s, root: undefined }));
  const preflightDir = join(options.outDir, '.preflight');
  try {
    for (const selection of selections) {
      if (!selection.available || !selection.binary) throw new HarnessError(selection.unavailableReason ?? `${selection.key} cannot run here`);
      const problem = await executableProblem(selection.binary);
      if (problem !== undefined) throw new HarnessError(`--runtime ${selection.key}: ${problem}`);
      const runtime = openRuntime({ profile: selection.profile, binary: selection.binary }, { workDir: preflightDir, callTimeoutMs: 10_000 });
      try {
        await runtime.version();
      } catch (error) {
        throw new HarnessError(`${selection.binary} --version failed, so it cannot be driven: ${(error as Error).message}`);
      }
    }
  } finally {
    await rm(preflightDir, { recursive: true, force: true });
  }
  return selections;
}

export async function runCommand(options: RunCommandOptions): Promise<number> {
  const outDir = resolve(options.outDir);
  // Read before anything runs: a bad baseline should not cost a whole run first.
  const baseline = options.baseline === undefined ? undefined : await readComplianceReport(options.baseline);
  // The test process resolves them again: declaration files by absolute path, wherever it runs.
  options = { ...options, runtimes: options.runtimes.map((r) => (/\.(ya?ml|json)$/i.test(r) ? resolve(r) : r)) };
  const selections = await preflight({ ...options, outDir });
  if (options.container) {
    process.env[RUNTIMES_ENV] = '';
    process.env[CONTAINER_MODE_ENV] = 'required';
    process.env[CONTAINER_RUNTIMES_ENV] = options.runtimes.join(',');
    process.env[IMAGE_ENV] = options.container.image;
    process.env[CGROUP_VIEW_ENV] = options.container.cgroupView;
  } else {
    process.env[RUNTIMES_ENV] = options.runtimes.join(',');
    process.env[CONTAINER_MODE_ENV] = 'off';
  }
  const runId = process.env.RTCONFORM_RUN_ID ?? randomBytes(3).toString('hex');
  process.env.RTCONFORM_RUN_ID = runId;
  if (options.callTimeoutMs !== undefined) process.env.RTCONFORM_CALL_TIMEOUT_MS = String(options.callTimeoutMs);
  if (options.specVersion !== undefined) process.env[SPEC_VERSION_ENV] = options.specVersion;
  process.env[RETRIES_ENV] = String(options.retries ?? 0);

  const suites = options.suites.length > 0 ? options.suites : availableSuites();
  const where = options.container ? ` in containers of ${options.container.image} (${options.container.cgroupView} cgroup view)` : '';
  process.stderr.write(`rtconform: running ${suites.join(', ')} against ${options.runtimes.join(', ')}${where} (run ${runId})\n`);
  const reportFile = join(outDir, 'compliance.json');
  await rm(reportFile, { force: true });
  // allure-vitest adds to what is there: a previous run's results would mix into this report.
  await rm(join(outDir, 'allure-results'), { recursive: true, force: true });

  const childOptions: ChildOptions = { suites, outDir, toolVersion: toolVersion(), ...(options.shard ? { shard: `${options.shard.index}/${options.shard.count}` } : {}) };
  // vitest keeps a temp dir of its own that an interrupted vitest leaves behind: give it (and the
  // run dir, made inside) one the final sweep finds by the run id.
  const childTmp = join(tmpdir(), `rtconform-${runId}-tmp`);
  await mkdir(childTmp, { recursive: true });
  const child = execa(process.execPath, [join(packageRoot(), 'dist/src/cli/vitest-child.js')], {
    stdio: 'inherit', reject: false, env: { [CHILD_OPTIONS_ENV]: JSON.stringify(childOptions), TMPDIR: childTmp },
    // Its own process group: vitest's workers can outlive an interrupted vitest, and must not
    // go on making containers after the final sweep.
    detached: true,
  });
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!interrupted) process.stderr.write('\nrtconform: interrupted; stopping the tests and removing what they created…\n');
    interrupted = true;
    // The child has a process group of its own, so a terminal's Ctrl-C reaches only us: pass it on.
    child.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let ended: Awaited<typeof child> | undefined;
  try {
    ended = await child;
  } finally {
    killGroup(child.pid);
    const removed = await finalSweep(selections, runId);
    if (removed.length > 0) process.stderr.write(`rtconform: removed what the run left behind: ${removed.join(', ')}\n`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  let report = await readFile(reportFile, 'utf8').then((t) => ComplianceReportSchema.parse(JSON.parse(t)), () => undefined);
  // A report still marked as written mid-run: the test process died before it finished.
  if (report?.note === PARTIAL_NOTE) {
    const how = interrupted ? 'the run was interrupted' : `the test process ended (${ended?.signal ?? `exit code ${ended?.exitCode ?? '?'}`}) before the run finished`;
    report = { ...report, interrupted: true, note: `${how}: the results are partial, everything finished until then is here` };
    await writeReports(report, outDir);
  }
  if (interrupted) {
    if (report) printSummary(report, outDir);
    process.stderr.write('rtconform: the run was interrupted; nothing of it is left on this machine\n');
    return 130;
  }
  // No runs: the global setup failed (a runtime missing from the image, a target that would not start).
  if (!report || report.runs.length === 0) throw new HarnessError('the run ended without results (see the errors above)');
  printSummary(report, outDir);
  if (report.note !== undefined) {
    process.stderr.write(`rtconform: ${report.note}\n`);
    return 2;
  }
  if (baseline) return baselineGate(baseline, options.baseline!, report);
  return verdictExitCode(report);
}

/**
 * 1 when a MUST requirement failed, or a declared expected failure passed (the declaration no
 * longer tells the truth); else 2 when rtconform's own errors left requirements unjudged (the
 * verdict is incomplete through no fault of the runtime's); else 0.
 */
export function verdictExitCode(report: ComplianceReport): number {
  if (report.runs.some((r) => r.summary.mandatoryFailed > 0 || r.summary.unexpectedPass > 0)) return 1;
  return report.runs.some((r) => r.summary.error > 0) ? 2 : 0;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

export function toolVersion(): string {
  const pkg = join(packageRoot(), 'package.json');
  return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version : '0.0.0';
}

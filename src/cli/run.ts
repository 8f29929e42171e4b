import type { FileSharing } from '../container/file-bridge.js';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { CgroupView } from '../container/target-container.js';
import { containerTargetProblem } from '../harness/container-targets.js';
import { PARTIAL_NOTE } from '../harness/compliance-reporter.js';
import {
  makePlan, planContainerRuntime, planHostRuntime, RUN_ID, type RunPlan,
} from '../harness/plan.js';
import { finalSweep } from '../harness/sweep.js';
import { packageRoot, toolVersion } from '../package-root.js';
import { ComplianceReportSchema } from '../report/compliance.js';
import { verdictExitCode } from '../report/score.js';
import { writeReports } from '../report/write-reports.js';
import { executableProblem } from '../runtime/process-runner.js';
import { openRuntime } from '../runtime/resolve.js';
import { baselineGate } from './compare.js';
import { readComplianceReport } from './read-report.js';
import { availableSuites } from './available-suites.js';
import { HarnessError } from './harness-error.js';
import { claimOutDir } from './out-dir.js';
import { printSummary } from './summary.js';

export interface RunCommandOptions {
  runtimes: string[];
  suites: string[];
  outDir: string;
  callTimeoutMs: number | undefined;
  /** Run the runtimes inside a target container instead of on the host. */
  container?: { image: string; cgroupView: CgroupView; fileSharing: FileSharing };
  /** An earlier compliance.json: the exit code then says whether a MUST verdict regressed. */
  baseline?: string;
  /** Judge every runtime against this runtime-spec version instead of the one it declares. */
  specVersion?: string;
  /** How many times a failed test runs again; attempts that disagree make its requirement flaky. */
  retries?: number;
  /** Replace files of rtconform's names in the out dir that rtconform did not write. */
  force?: boolean;
  /** What the run prints while it goes, and how much of the summary. */
  output?: RunPlan['output'];
  /** Run only this part of the suites' files (vitest --shard); `rtconform report` merges the parts. */
  shard?: { index: number; count: number };
  /** Names the run (its containers are rtc-ID-…); default a random one. */
  runId?: string;
}

/**
 * The run's plan, from the command line: runtimes resolved once, here, and handed on whole.
 * Bad input fails here, before anything runs.
 */
export function planRun(options: RunCommandOptions): RunPlan {
  const known = availableSuites();
  for (const suite of options.suites) {
    // A suite, or one file of it: `lifecycle`, `lifecycle/create`.
    const [folder, file, ...rest] = suite.split('/');
    if (!known.includes(folder ?? '') || rest.length > 0) throw new HarnessError(`unknown suite "${suite}"; available: ${known.join(', ')} (or one file of a suite: lifecycle/create)`);
    if (file !== undefined && !existsSync(join(packageRoot(), 'suites', folder!, `${file}.test.ts`))) {
      const files = readdirSync(join(packageRoot(), 'suites', folder!)).filter((f) => f.endsWith('.test.ts')).map((f) => `${folder}/${f.replace(/\.test\.ts$/, '')}`);
      throw new HarnessError(`suite ${folder} has no file ${file}.test.ts; its files: ${files.join(', ')}`);
    }
  }
  if (options.runId !== undefined && !RUN_ID.test(options.runId)) {
    throw new HarnessError(`--run-id wants 1 to 16 lower-case letters and digits, got "${options.runId}"`);
  }
  if (options.container && options.runtimes.includes('fake')) {
    throw new HarnessError('the fake runtime runs on the host only: drop --in-container, or choose runc, crun or a path inside the image');
  }
  const suites = options.suites.length > 0 ? options.suites : known;
  return makePlan({
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    toolVersion: toolVersion(),
    outDir: resolve(options.outDir),
    testFiles: suites.map((s) => (s.includes('/') ? `suites/${s}.test.ts` : `suites/${s}/`)),
    host: options.container ? [] : options.runtimes.map((r) => planHostRuntime(r)),
    ...(options.container ? {
      containers: { ...options.container, required: true, runtimes: options.runtimes.map(planContainerRuntime) },
    } : {}),
    ...(options.specVersion === undefined ? {} : { specVersion: options.specVersion }),
    ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.output ? { output: options.output } : {}),
  });
}

/**
 * Checks that each runtime of the plan can be driven before starting vitest: an explicitly
 * chosen runtime that cannot run here is a harness error, not a skip.
 */
async function preflight(plan: RunPlan): Promise<void> {
  if (plan.containers) {
    // Whether each runtime is in the image is checked once the target containers are up.
    const problem = await containerTargetProblem(plan.containers.image);
    if (problem !== undefined) throw new HarnessError(`--in-container: ${problem}`);
    return;
  }
  const preflightDir = join(plan.outDir, '.preflight');
  try {
    for (const runtime of plan.host) {
      if (runtime.binary === undefined || runtime.unavailableReason !== undefined) throw new HarnessError(runtime.unavailableReason ?? `${runtime.key} cannot run here`);
      const problem = await executableProblem(runtime.binary);
      if (problem !== undefined) throw new HarnessError(`--runtime ${runtime.key}: ${problem}`);
      try {
        await openRuntime({ profile: runtime.profile, binary: runtime.binary }, { workDir: preflightDir, callTimeoutMs: 10_000 }).version();
      } catch (error) {
        throw new HarnessError(`${runtime.binary} --version failed, so it cannot be driven: ${(error as Error).message}`);
      }
    }
  } finally {
    await rm(preflightDir, { recursive: true, force: true });
  }
}

export async function runCommand(options: RunCommandOptions): Promise<number> {
  // Read before anything runs: a bad baseline or out dir should not cost a whole run first.
  const baseline = options.baseline === undefined ? undefined : await readComplianceReport(options.baseline);
  await claimOutDir(options.outDir, { force: options.force });
  const plan = planRun(options);
  await preflight(plan);
  const { runId, outDir } = plan;
  const where = plan.containers ? ` in containers of ${plan.containers.image} (${plan.containers.cgroupView} cgroup view; run dir by ${plan.containers.fileSharing === 'bind' ? 'bind mount' : 'the file bridge'})` : '';
  const suites = plan.testFiles.map((f) => f.replace(/^suites\/|\/$|\.test\.ts$/g, ''));
  if (plan.output !== 'quiet') process.stderr.write(`rtconform: running ${suites.join(', ')} against ${options.runtimes.join(', ')}${where} (run ${runId})\n`);
  const reportFile = join(outDir, 'compliance.json');
  await rm(reportFile, { force: true });
  // allure-vitest adds to what is there: a previous run's results would mix into this report.
  await rm(join(outDir, 'allure-results'), { recursive: true, force: true });

  // vitest keeps a temp dir of its own that an interrupted vitest leaves behind: give it (and the
  // run dir, made inside) one the final sweep finds by the run id. The plan travels in it.
  const childTmp = join(tmpdir(), `rtconform-${runId}-tmp`);
  await mkdir(childTmp, { recursive: true });
  const planFile = join(childTmp, 'plan.json');
  await writeFile(planFile, JSON.stringify(plan));
  const child = execa(process.execPath, [join(packageRoot(), 'dist/src/harness/test-process.js'), planFile], {
    stdio: 'inherit', reject: false, env: { TMPDIR: childTmp },
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
    const removed = await finalSweep(plan, { cutShort: interrupted || ended === undefined || ![0, 1].includes(ended.exitCode ?? -1) });
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
    if (report) printSummary(report, outDir, { countsOnly: plan.output === 'quiet' });
    process.stderr.write('rtconform: the run was interrupted; nothing of it is left on this machine\n');
    return 130;
  }
  // No runs: the global setup failed (a runtime missing from the image, a target that would not start).
  if (!report || report.runs.length === 0) throw new HarnessError('the run ended without results (see the errors above)');
  printSummary(report, outDir, { countsOnly: plan.output === 'quiet' });
  if (report.note !== undefined) {
    process.stderr.write(`rtconform: ${report.note}\n`);
    return 2;
  }
  if (baseline) return baselineGate(baseline, options.baseline!, report);
  return verdictExitCode(report);
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

import type { FileSharing } from '../container/file-bridge.js';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { CgroupView } from '../container/target-container.js';
import { containerTargetProblem } from '../harness/container-targets.js';
import { PARTIAL_NOTE } from '../harness/compliance-reporter.js';
import {
  makePlan, planContainerRuntimes, planHostRuntime, type RunPlan,
} from '../harness/plan.js';
import { makeDirIn, makeRunHome, recordTestProcess, releaseRunsDir } from '../harness/run-home.js';
import { finalSweep, removeHome, sweptRun } from '../harness/sweep.js';
import { packageRoot, toolVersion } from '../package-root.js';
import type { ComplianceReport } from '../report/compliance.js';
import { writeReports } from '../report/write-reports.js';
import { executableProblem } from '../runtime/process-runner.js';
import { openRuntime } from '../runtime/resolve.js';
import { killGroup } from '../util/kill-group.js';
import { PrivateDirError } from '../util/private-dir.js';
import { visibleText } from '../util/text.js';
import { readComplianceReport, readOwnReport } from './read-report.js';
import { availableSuites } from './available-suites.js';
import { HarnessError } from './harness-error.js';
import { checkOutDir } from './out-dir.js';
import { Interruptions } from './interruptions.js';
import { runExitCode } from './run-exit.js';

export interface RunCommandOptions {
  runtimes: string[];
  suites: string[];
  outDir: string;
  callTimeoutMs: number | undefined;
  /** Run the runtimes inside target containers instead of on the host: each runtime in each image. */
  container?: { images: string[]; cgroupView: CgroupView; fileSharing: FileSharing };
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
  /** The private dir of runs that holds this run's home, instead of the default (/run/rtconform as root). */
  stateDir?: string;
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
  const images = [...new Set(options.container?.images ?? [])];
  const suites = options.suites.length > 0 ? options.suites : known;
  return makePlan({
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    toolVersion: toolVersion(),
    outDir: resolve(options.outDir),
    testFiles: suites.map((s) => (s.includes('/') ? `suites/${s}.test.ts` : `suites/${s}/`)),
    host: options.container ? [] : options.runtimes.map((r) => planHostRuntime(r)),
    ...(options.container ? {
      containers: { ...options.container, images, required: true, runtimes: planContainerRuntimes(options.runtimes, images) },
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
 * chosen runtime that cannot run here is a harness error, not a skip. Its calls work in
 * `workDir`, a dir of the run's own home.
 */
async function preflight(plan: RunPlan, workDir: string): Promise<void> {
  if (plan.containers) {
    // Whether each runtime is in each image is checked once the target containers are up.
    for (const image of plan.containers.images) {
      const problem = await containerTargetProblem(image);
      if (problem !== undefined) throw new HarnessError(`--in-container: ${problem}`);
    }
    return;
  }
  for (const runtime of plan.host) {
    if (runtime.binary === undefined || runtime.unavailableReason !== undefined) throw new HarnessError(runtime.unavailableReason ?? `${runtime.key} cannot run here`);
    const problem = await executableProblem(runtime.binary);
    if (problem !== undefined) throw new HarnessError(`--runtime ${runtime.key}: ${problem}`);
    try {
      await openRuntime({ profile: runtime.profile, binary: runtime.binary }, { workDir, callTimeoutMs: 10_000 }).version();
    } catch (error) {
      throw new HarnessError(`${runtime.binary} --version failed, so it cannot be driven: ${(error as Error).message}`);
    }
  }
}

/** The run's home (harness/run-home.ts), or a harness error saying why the user's private dir of runs cannot be used. */
async function newRunHome(plan: RunPlan, options: RunCommandOptions): Promise<string> {
  try {
    return await makeRunHome(plan, options.stateDir);
  } catch (error) {
    if (error instanceof PrivateDirError) throw new HarnessError(error.message);
    throw error;
  }
}

export async function runCommand(options: RunCommandOptions): Promise<number> {
  // Read before anything runs: a bad baseline or out dir should not cost a whole run first.
  const baseline = options.baseline === undefined ? undefined : await readComplianceReport(options.baseline);
  const out = await checkOutDir(options.outDir, { force: options.force });
  const plan = planRun(options);
  // Everything the run writes but its reports lives in its home, which goes when the run ends.
  const home = await newRunHome(plan, options);
  // From the moment the run has a home: before the test process starts, the run stops at the next step and removes what it made.
  const interruptions = new Interruptions('stopping the tests and removing what they created');
  let started = false;
  try {
    await preflight(plan, join(home, 'preflight'));
    // Only now is the out dir made: a refused run creates nothing. The previous run's reports
    // go first (an interrupted run too), so that none is left that looks new.
    await out.take({ clearPrevious: true });
    if (interruptions.interrupted) {
      process.stderr.write('rtconform: the run was interrupted before its tests started; nothing of it is left on this machine\n');
      return 130;
    }
    started = true;
    return await runTests({ ...plan, home }, home, baseline, options, interruptions);
  } finally {
    interruptions.remove();
    // Once the tests started, the final sweep removes the home.
    if (!started) {
      await removeHome(home);
      releaseRunsDir(home);
    }
  }
}

/** The tests of a checked plan, in a process of its own; then the final sweep, the summary and the exit code. */
async function runTests(plan: RunPlan, home: string, baseline: ComplianceReport | undefined, options: RunCommandOptions, interruptions: Interruptions): Promise<number> {
  const { runId, outDir } = plan;
  const where = plan.containers ? ` in containers of ${plan.containers.images.join(', ')} (${plan.containers.cgroupView} cgroup view; run dir by ${plan.containers.fileSharing === 'bind' ? 'bind mount' : 'the file bridge'})` : '';
  const suites = plan.testFiles.map((f) => f.replace(/^suites\/|\/$|\.test\.ts$/g, ''));
  if (plan.output !== 'quiet') process.stderr.write(`rtconform: running ${suites.join(', ')} against ${visibleText(options.runtimes.join(', '))}${where} (run ${runId})\n`);
  const reportFile = join(outDir, 'compliance.json');

  // vitest keeps a temp dir of its own that an interrupted vitest leaves behind: it and the
  // runtime calls get one in the run's home, which the final sweep removes.
  const temp = await makeDirIn(home, 'tmp');
  const planFile = join(home, 'plan.json');
  await writeFile(planFile, JSON.stringify(plan), { flag: 'wx', mode: 0o600 });
  const child = execa(process.execPath, [join(packageRoot(), 'dist/src/harness/test-process.js'), planFile], {
    stdio: 'inherit', reject: false, env: { TMPDIR: temp },
    // Its own process group: vitest's workers can outlive an interrupted vitest, and must not
    // go on making containers after the final sweep.
    detached: true,
  });
  if (child.pid !== undefined) recordTestProcess(home, child.pid);
  interruptions.forwardTo((signal) => child.kill(signal));
  let ended: Awaited<typeof child> | undefined;
  try {
    ended = await child;
  } finally {
    killGroup(child.pid);
    const removed = await finalSweep(sweptRun(plan, home), { cutShort: interruptions.interrupted || ended === undefined || ![0, 1].includes(ended.exitCode ?? -1) });
    if (removed.length > 0) process.stderr.write(`rtconform: removed what the run left behind: ${removed.join(', ')}\n`);
  }
  const interrupted = interruptions.interrupted;
  let report = await readOwnReport(reportFile);
  // A report still marked as written mid-run: the test process died before it finished.
  if (report?.note === PARTIAL_NOTE) {
    const how = interrupted ? 'the run was interrupted' : `the test process ended (${ended?.signal ?? `exit code ${ended?.exitCode ?? '?'}`}) before the run finished`;
    report = { ...report, interrupted: true, note: `${how}: the results are partial, everything finished until then is here` };
    await writeReports(report, outDir);
  }
  return runExitCode(report, {
    outDir, quiet: plan.output === 'quiet', interrupted,
    ...(baseline ? { baseline: { report: baseline, path: options.baseline! } } : {}),
  });
}

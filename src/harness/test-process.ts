/**
 * Runs the suites of a plan in a process of its own: `node test-process.js PLAN_FILE`. vitest
 * exits its process on SIGINT, so the parent (`rtconform run`) keeps the run's cleanup and
 * summary, whatever happens to this one.
 */
import { startVitest, type Reporter } from 'vitest/node';
import { groupMembers } from '../util/procfs.js';
import { terminalSafeText } from '../util/text.js';
import { packageRoot } from '../package-root.js';
import { compiledLibrary } from './compiled-library.js';
import { readPlan, type RunPlan } from './plan.js';
import { ProgressReporter } from './progress-reporter.js';
import { finalSweep, sweptRun } from './sweep.js';
import { vitestSettings } from './vitest-settings.js';

async function main(planFile: string | undefined): Promise<number> {
  if (planFile === undefined) throw new Error('usage: test-process.js PLAN_FILE');
  const plan = readPlan(planFile);
  watchParent(plan);
  guardTerminal();
  const library = compiledLibrary(packageRoot());
  const settings = vitestSettings(plan, outputReporters(plan.output));
  const vitest = await startVitest('test', plan.testFiles, {
    root: packageRoot(),
    // Everything comes from the plan: the repository's vitest.config.ts is for rtconform's own tests.
    config: false,
    watch: false,
    include: ['suites/**/*.test.ts'],
    ...settings,
    server: { deps: { external: [library.external] } },
    ...(plan.shard ? { shard: `${plan.shard.index}/${plan.shard.count}` } : {}),
  }, { plugins: [library.plugin] });
  await vitest.close();
  return 0;
}

/**
 * vitest's reporters print test names and failures, which may quote what a runtime printed: on
 * the way out, every control character but their own colours and cursor moves is written out.
 */
function guardTerminal(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === 'string' ? terminalSafeText(chunk) : chunk, ...rest)) as typeof stream.write;
  }
}

/** How often the test process looks whether `rtconform run` still runs. */
const PARENT_CHECK_MS = 1000;

/**
 * `rtconform run` may be killed outright (kill -9 of its process group, which is not ours): then
 * nobody would stop this process, sweep the run and remove its home. So it looks every second
 * whether its parent is still there, and once it is not, it stops its workers, sweeps the run
 * as `rtconform run` would have, and ends. If it is killed too, the next run sweeps what is left.
 */
function watchParent(plan: RunPlan): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.stderr.write(`\nrtconform: the run's command (pid ${parent}) is gone; stopping the tests and removing what they created…\n`);
    killOwnGroup();
    void finalSweep(sweptRun(plan, plan.home!), { cutShort: true }).finally(() => process.exit(130));
  }, PARENT_CHECK_MS);
  timer.unref();
}

/** Kills the other members of this process's group (vitest's workers), this one lives on to sweep. */
function killOwnGroup(): void {
  for (const { pid } of groupMembers(process.pid)) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * What the run prints while it goes: nothing but the verdict (quiet, the CLI prints that), every
 * test (verbose), or progress: one line rewritten on a terminal, vitest's plain lines elsewhere
 * (a CI log is no terminal).
 */
function outputReporters(output: RunPlan['output']): (Reporter | 'default' | 'verbose')[] {
  if (output === 'quiet') return [];
  if (output === 'verbose') return ['verbose'];
  return process.stdout.isTTY ? [new ProgressReporter()] : ['default'];
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rtconform: the test runner failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 2;
  },
);

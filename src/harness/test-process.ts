/**
 * Runs the suites of a plan in a process of its own: `node test-process.js PLAN_FILE`. vitest
 * exits its process on SIGINT, so the parent (`rtconform run`) keeps the run's cleanup and
 * summary, whatever happens to this one.
 */
import { startVitest, type Reporter } from 'vitest/node';
import { packageRoot } from '../package-root.js';
import { compiledLibrary } from './compiled-library.js';
import { readPlan, type RunPlan } from './plan.js';
import { ProgressReporter } from './progress-reporter.js';
import { vitestSettings } from './vitest-settings.js';

async function main(planFile: string | undefined): Promise<number> {
  if (planFile === undefined) throw new Error('usage: test-process.js PLAN_FILE');
  const plan = readPlan(planFile);
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

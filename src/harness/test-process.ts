/**
 * Runs the suites of a plan in a process of its own: `node test-process.js PLAN_FILE`. vitest
 * exits its process on SIGINT, so the parent (`rtconform run`) keeps the run's cleanup and
 * summary, whatever happens to this one.
 */
import { startVitest } from 'vitest/node';
import { packageRoot } from '../package-root.js';
import { compiledLibrary } from './compiled-library.js';
import { readPlan } from './plan.js';
import { vitestSettings } from './vitest-settings.js';

async function main(planFile: string | undefined): Promise<number> {
  if (planFile === undefined) throw new Error('usage: test-process.js PLAN_FILE');
  const plan = readPlan(planFile);
  const library = compiledLibrary(packageRoot());
  const settings = vitestSettings(plan);
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

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rtconform: the test runner failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 2;
  },
);

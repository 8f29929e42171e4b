/**
 * Runs the suites in a process of its own. vitest exits its process on SIGINT, so the parent
 * (`rtconform run`) keeps the run's cleanup and summary, whatever happens to this one.
 */
import { join } from 'node:path';
import AllureVitestReporter from 'allure-vitest/reporter';
import { startVitest } from 'vitest/node';
import { ComplianceReporter } from '../report/compliance-reporter.js';
import { packageRoot } from '../runtime/resolve.js';
import { CHILD_OPTIONS_ENV, type ChildOptions } from './child-options.js';


async function main(): Promise<number> {
  const options = JSON.parse(process.env[CHILD_OPTIONS_ENV] ?? '{}') as ChildOptions;
  const root = packageRoot();
  const reporter = new ComplianceReporter({ outDir: options.outDir, toolVersion: options.toolVersion });
  const vitest = await startVitest('test', options.suites.map((s) => `suites/${s}/`), {
    root,
    config: join(root, 'vitest.config.ts'),
    watch: false,
    reporters: ['default', reporter, new AllureVitestReporter({ resultsDir: join(options.outDir, 'allure-results') })],
    include: ['suites/**/*.test.ts'],
    ...(options.shard ? { shard: options.shard } : {}),
  });
  await vitest.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rtconform: the test runner failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 2;
  },
);

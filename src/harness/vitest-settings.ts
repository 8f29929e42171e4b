import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AllureVitestReporter from 'allure-vitest/reporter';
import type { Reporter, TestUserConfig } from 'vitest/node';
import { ComplianceReporter } from './compliance-reporter.js';
import { packageRoot } from '../package-root.js';
import type { RunPlan } from './plan.js';

/**
 * How vitest runs the suites of a plan, the same for `rtconform run` (test-process.ts) and for
 * rtconform's own tests (vitest.config.ts): the plan goes to global setup through vitest's
 * provided context, and the reports go where the plan says.
 */
export function vitestSettings(plan: RunPlan, outputReporters: (Reporter | 'default' | 'verbose')[] = ['default']): TestUserConfig {
  return {
    // Beside this file: the compiled one in an installed package, the source in the repository.
    globalSetup: [join(dirname(fileURLToPath(import.meta.url)), `global-setup${extname(fileURLToPath(import.meta.url))}`)],
    provide: { rtconformPlan: plan },
    // Runtime calls spawn processes and signal them; forks keep them out of vitest's own process.
    pool: 'forks',
    // A worker runs file after file without loading every module again: files share no state
    // but caches of what a runtime's target is like (cgroup layout), which hold for the run.
    isolate: false,
    maxWorkers: workersFor(plan.testFiles),
    // allure-vitest also gives the suites' allure labels somewhere to go (without it every label
    // call warns); `npx allure generate <out>/allure-results` renders them. The compliance
    // reporter writes the verdicts, and fails the run when a runtime passes a requirement its
    // declaration says it breaks.
    reporters: [
      ...outputReporters,
      new AllureVitestReporter({ resultsDir: join(plan.outDir, 'allure-results') }),
      new ComplianceReporter(plan),
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
  };
}

/**
 * How many test files run at once. Runtime calls mostly wait on processes, so two files per core
 * pays for a whole run (4 workers on 2 cores: the fake 12.5 -> 10.4 s, runc 25.8 -> 18.6 s, the
 * same CPU). But a worker costs ~0.6 s of CPU to start and import the suites, and a run of a few
 * files spends more on that than it gains (5 files: 2 workers 3.0 s / 3.7 CPU-s, 4 workers
 * 3.6 s / 5.1): about one worker per 4 files, at least 2. No files named: every suite.
 */
export function workersFor(testFiles: readonly string[]): number {
  const most = Math.max(2, 2 * availableParallelism());
  if (testFiles.length === 0) return most;
  const files = testFiles.reduce((n, f) => n + (f.endsWith('/') ? readdirSync(join(packageRoot(), f)).filter((e) => e.endsWith('.test.ts')).length : 1), 0);
  return Math.min(most, Math.max(2, Math.ceil(files / 4)));
}

import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AllureVitestReporter from 'allure-vitest/reporter';
import type { Reporter, TestUserConfig } from 'vitest/node';
import { ComplianceReporter } from './compliance-reporter.js';
import type { RunPlan } from './plan.js';

/**
 * How vitest runs the suites of a plan, the same for `rtconform run` (test-process.ts) and for
 * rtconform's own tests (vitest.config.ts): the plan goes to global setup through vitest's
 * provided context, and the reports go where the plan says.
 */
export function vitestSettings(plan: RunPlan, extraReporters: Reporter[] = []): TestUserConfig {
  return {
    // Beside this file: the compiled one in an installed package, the source in the repository.
    globalSetup: [join(dirname(fileURLToPath(import.meta.url)), `global-setup${extname(fileURLToPath(import.meta.url))}`)],
    provide: { rtconformPlan: plan },
    // Runtime calls spawn processes and signal them; forks keep them out of vitest's own process.
    pool: 'forks',
    // A worker runs file after file without loading every module again: files share no state
    // but caches of what a runtime's target is like (cgroup layout), which hold for the run.
    isolate: false,
    // Runtime calls mostly wait on processes, not on the CPU: two files per core pays (4 on the
    // 2-core machines the figures in docs/performance.md come from).
    maxWorkers: Math.max(2, 2 * availableParallelism()),
    // allure-vitest also gives the suites' allure labels somewhere to go (without it every label
    // call warns); `npx allure generate <out>/allure-results` renders them. The compliance
    // reporter writes the verdicts, and fails the run when a runtime passes a requirement its
    // declaration says it breaks.
    reporters: [
      'default', ...extraReporters,
      new AllureVitestReporter({ resultsDir: join(plan.outDir, 'allure-results') }),
      new ComplianceReporter(plan),
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
  };
}

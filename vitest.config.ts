import { defineConfig } from 'vitest/config';

// `vitest run` is rtconform's own test command: known runtime deviations are expected there.
// `rtconform run` sets this to 0 first, so a conformance run reports them as failures.
process.env.RTCONFORM_SELF_TEST ??= '1';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'suites/**/*.test.ts'],
    globalSetup: ['src/fixtures/global-setup.ts'],
    // Runtime calls spawn processes and signal them; forks keep each file in its own process.
    pool: 'forks',
    // Runtime calls mostly wait on processes, not on the CPU: more files at once than cores pays.
    maxWorkers: 4,
    // allure-vitest also gives the suites' allure labels somewhere to go (without it every label
    // call warns); `npx allure generate reports/self-test/allure-results` renders them.
    reporters: ['default', './src/report/summary-line-reporter.ts', ['allure-vitest/reporter', { resultsDir: 'reports/self-test/allure-results' }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
  },
});

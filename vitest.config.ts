import { defineConfig } from 'vitest/config';

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
    // The compliance reporter writes the suites' verdicts to reports/self-test/ and fails the run
    // when a runtime passes a requirement its declaration says it breaks.
    reporters: [
      'default', './src/report/summary-line-reporter.ts', ['allure-vitest/reporter', { resultsDir: 'reports/self-test/allure-results' }],
      ['./src/report/compliance-reporter.ts', { outDir: 'reports/self-test', toolVersion: 'self-test' }],
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
  },
});

import { defineConfig } from 'vitest/config';
import { selfTestPlan } from './src/harness/self-test-plan.js';
import { SelfTestSequencer, selfTestWorkers } from './src/harness/self-test-sequencer.js';
import SummaryLineReporter from './src/harness/summary-line-reporter.js';
import { vitestSettings } from './src/harness/vitest-settings.js';

// rtconform's own tests run the suites too, under a plan made from the variables the README
// lists (RTCONFORM_RUNTIMES, RTCONFORM_CONTAINER, …); their reports go to reports/self-test/.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'suites/**/*.test.ts'],
    ...vitestSettings(selfTestPlan(), ['default', new SummaryLineReporter()]),
    maxWorkers: selfTestWorkers(),
    sequence: { sequencer: SelfTestSequencer },
  },
});

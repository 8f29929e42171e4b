import { availableParallelism } from 'node:os';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * How rtconform's own tests are scheduled (vitest.config.ts); `rtconform run` keeps workersFor.
 *
 * Workers: three per core. Many self-test files start whole `rtconform run`s, a debootstrap or an
 * npm install, and mostly wait on them; with two per core (as a run of the suites has) the cores
 * were idle ~10 % of `npm test`. `.ci/run` on fresh clones: 312 and 322 s with 4 workers, 300 s
 * with 6, the machine's CPU the same (540-556 CPU-s); every test passed in each.
 */
export function selfTestWorkers(): number {
  return 3 * availableParallelism();
}

/**
 * Files that start first: long, and spent mostly waiting on other programs (debootstrap's
 * downloads, npm, hung runtimes). vitest starts larger files first when it has no timings of an
 * earlier run (a fresh clone, as in CI), so these small files started last and were the run's
 * last 20-40 s alone, one core idle.
 */
const STARTS_FIRST = [
  'src/container/runtimes-image.test.ts', 'src/library.test.ts', 'src/cli/hostile-runtimes.test.ts',
  // 50-70 s each, much of it waiting: runsc's `checkpoint --leave-running` never returns (15 s
  // a test), CRIU dumps. Started in vitest's order they were the last files to end, the machine
  // 50-97 % idle for the run's last 70 s (perf, one full self-test).
  'suites/checkpoint/options.test.ts', 'suites/checkpoint/checkpoint.test.ts', 'suites/checkpoint/outside.test.ts',
];

export class SelfTestSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const at = STARTS_FIRST.findIndex((f) => spec.moduleId.endsWith(`/${f}`));
      return at === -1 ? STARTS_FIRST.length : at;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

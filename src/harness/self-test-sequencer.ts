import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
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
 * Files that start first, whatever else is known: they mostly wait on other programs
 * (debootstrap's downloads when the test image is not built yet, npm).
 */
const STARTS_FIRST = ['src/container/runtimes-image.test.ts', 'src/library.test.ts'];

/**
 * Wall seconds of the self-test's files that take 30 s or more (two full self-tests on this
 * machine kind, 2 cores, 2026-12-07), for a run without vitest's timings of an earlier one: a
 * fresh clone, as in CI. vitest then starts larger files first, and long files that mostly
 * wait (runsc's `checkpoint --leave-running` never returns: 15 s a test; hostile runtimes
 * hanging to their call timeout) started late and ended the run alone: the machine was 50-97 %
 * idle for its last 70 s (perf). Longest first, as vitest orders files it has timings for, the
 * same self-test took 273 s instead of 317. Only the order depends on these figures: a stale
 * one costs time, never a result.
 */
export const MEASURED_SECONDS: Readonly<Record<string, number>> = {
  'suites/hooks/hooks.test.ts': 91,
  'suites/checkpoint/checkpoint.test.ts': 86,
  'suites/checkpoint/options.test.ts': 81,
  'src/cli/hostile-runtimes.test.ts': 81,
  'src/fake-runtime/fault-modes.test.ts': 80,
  'src/cli/no-leaks.test.ts': 76,
  'suites/operations/exec.test.ts': 63,
  'suites/checkpoint/outside.test.ts': 60,
  'suites/hooks/where-and-failures.test.ts': 56,
  'suites/process/process.test.ts': 55,
  'suites/filesystem/root-and-mounts.test.ts': 52,
  'suites/namespaces/namespaces.test.ts': 51,
  'src/cli/fan-out.test.ts': 43,
  'suites/state/state.test.ts': 41,
  'suites/lifecycle/kill.test.ts': 41,
  'suites/security/seccomp.test.ts': 40,
  'suites/config-errors/config-errors.test.ts': 36,
  'suites/stats/stats.test.ts': 35,
  'suites/filesystem/paths-and-devices.test.ts': 35,
};

export class SelfTestSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const path = (spec: TestSpecification): string => relative(this.ctx.config.root, spec.moduleId);
    const first = (spec: TestSpecification): number => {
      const at = STARTS_FIRST.indexOf(path(spec));
      return at === -1 ? STARTS_FIRST.length : at;
    };
    // vitest's own timings, where it has them, are newer than the table's.
    const timed = sorted.some((spec) => this.ctx.cache.getFileTestResults(`${spec.project.name}:${path(spec)}`) !== undefined);
    const seconds = (spec: TestSpecification): number => (timed ? 0 : MEASURED_SECONDS[path(spec)] ?? 0);
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => first(a) - first(b) || seconds(b) - seconds(a));
  }
}

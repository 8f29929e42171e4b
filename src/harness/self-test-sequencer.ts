import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { packageRoot } from '../package-root.js';

/**
 * The longest files of rtconform's own tests (most run whole `rtconform run`s), longest first:
 * 35–100 s each in `.ci/run`. On a fresh clone vitest has no durations to order by and goes by
 * file size, which started several of them last, so they made the tail of `npm test`.
 */
export const LONG_FILES = [
  'src/cli/hostile-runtimes.test.ts',
  'suites/hooks/hooks.test.ts',
  'src/cli/no-leaks.test.ts',
  'src/cli/reports.test.ts',
  'src/fake-runtime/fault-modes.test.ts',
  'suites/terminal/terminal.test.ts',
  'suites/config-errors/config-errors.test.ts',
  'suites/checkpoint/checkpoint.test.ts',
  'src/container/runtimes-image.test.ts',
  'src/runtime/cli-runtime.test.ts',
  'src/library.test.ts',
];

/** vitest's order for rtconform's own tests, with LONG_FILES first. */
export class SelfTestSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const at = LONG_FILES.indexOf(relative(packageRoot(), file.moduleId));
      return at === -1 ? LONG_FILES.length : at;
    };
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

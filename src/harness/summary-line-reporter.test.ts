import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';

it('counts a block whose hook threw and a file that did not load as failures, whatever their tests did', async () => {
  const work = await dir({ prefix: 'rtconform-summary-line-', unsafeCleanup: true });
  try {
    await writeFile(join(work.path, 'vitest.config.ts'), `import SummaryLineReporter from ${JSON.stringify(join(packageRoot(), 'src/harness/summary-line-reporter.ts'))};
export default { test: { include: ['*.test.ts'], reporters: [new SummaryLineReporter()] } };\n`);
    await writeFile(join(work.path, 'hook.test.ts'), `import { afterAll, describe, it } from 'vitest';
describe('a block', () => {
  it('passes', () => {});
  afterAll(() => { throw new Error('the hook broke'); });
});
it('skips', (ctx) => ctx.skip());\n`);
    await writeFile(join(work.path, 'broken.test.ts'), 'throw new Error("this file does not load");\n');
    const result = await execa(join(packageRoot(), 'node_modules/.bin/vitest'), ['run', '--root', work.path], { cwd: work.path, reject: false, all: true });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('1 passed, 2 failed, 1 skipped');
  } finally {
    await work.cleanup();
  }
}, 60_000);

it('says the failures that do not count (declared, or outside the judged release) per runtime, not as passes', async () => {
  const work = await dir({ prefix: 'rtconform-summary-line-', unsafeCleanup: true });
  try {
    // What global setup would provide: runtime rt judged against 1.0.2, two failures declared.
    const judging = { specVersion: '1.0.2', source: 'test', expectedFailures: [{ requirement: 'state.pid', reason: 'r' }, { requirement: 'state.annotations', reason: 'r' }, { requirement: 'linux.namespaces.new-time', reason: 'r' }] };
    await writeFile(join(work.path, 'vitest.config.ts'), `import SummaryLineReporter from ${JSON.stringify(join(packageRoot(), 'src/harness/summary-line-reporter.ts'))};
export default { test: { include: ['*.test.ts'], reporters: [new SummaryLineReporter()], provide: { rtconform: { selections: [{ key: 'rt', judging: ${JSON.stringify(judging)} }] } } } };\n`);
    await writeFile(join(work.path, 'uncounted.test.ts'), `import { it } from 'vitest';
const uncounted = (requirement: string, runtime = 'rt') => ({ task }: { task: { meta: Record<string, unknown> } }) => {
  Object.assign(task.meta, { requirement, runtime, uncountedFailure: { reason: 'it failed' } });
};
it('passes', () => {});
it('state.pid, declared (two tests)', uncounted('state.pid'));
it('state.pid again', uncounted('state.pid'));
it('state.annotations, declared', uncounted('state.annotations'));
it('new-time: declared, but newer than 1.0.2', uncounted('linux.namespaces.new-time'));
it('a runtime with no judging', uncounted('state.pid', 'other'));
it('fails', () => { throw new Error('no'); });\n`);
    const result = await execa(join(packageRoot(), 'node_modules/.bin/vitest'), ['run', '--root', work.path], { cwd: work.path, reject: false, all: true });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('1 passed, 1 failed, 0 skipped, 5 failing without counting '
      + '(rt: 1 MUST requirement fails as declared, 1 SHOULD requirement fails as declared, 1 requirement fails outside the judged spec release; '
      + 'other: 1 requirement fails outside the judged spec release)');
  } finally {
    await work.cleanup();
  }
}, 60_000);

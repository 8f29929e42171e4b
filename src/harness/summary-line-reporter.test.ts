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

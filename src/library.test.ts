import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './package-root.js';

/** The code blocks of docs/library.md that name a file (```js file=drive.mjs): the examples a reader copies. */
async function examples(): Promise<Map<string, string>> {
  const doc = await readFile(join(packageRoot(), 'docs', 'library.md'), 'utf8');
  return new Map([...doc.matchAll(/^```\w+ file=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('the published package', () => {
  // What is published is what works: pack it, install the tarball into an empty project, and
  // run docs/library.md's examples there, against the fake runtime. Uses the last `npm run build`.
  it('installs from its tarball into an empty project, where the library examples run as written', async () => {
    const temp = await dir({ prefix: 'rtconform-pack-', unsafeCleanup: true });
    try {
      const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', temp.path], { cwd: packageRoot() });
      const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
      const shipped = files.map((f) => f.path);
      expect(shipped).toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/vitest.js', 'dist/cli/main.js', 'runtimes/runc.yaml', 'src/probe/probe.sh']));
      // The suites ship (`rtconform run` runs them); rtconform's own tests do not.
      expect(shipped.filter((f) => !f.startsWith('suites/') && (/\.test\.[jt]s$/.test(f) || f.includes('/testdata/')))).toEqual([]);

      const project = join(temp.path, 'vendor');
      const files$ = await examples();
      expect([...files$.keys()].sort()).toEqual(['conformance/my-runtime.test.ts', 'drive.mjs', 'vitest.config.ts']);
      for (const [name, text] of files$) {
        await mkdir(dirname(join(project, name)), { recursive: true });
        await writeFile(join(project, name), text);
      }
      await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'vendor-example', private: true, type: 'module' }));
      // --ignore-scripts: the only install scripts in the tree are ssh2's and cpu-features' (an
      // optional native speed-up of ssh2, under testcontainers), whose node-gyp build cost ~5 CPU-s
      // and changes nothing rtconform does; rtconform itself has none.
      await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error', join(temp.path, filename)], { cwd: project });

      const drive = await execa('node', ['drive.mjs'], { cwd: project, reject: false, all: true });
      expect(drive.exitCode, drive.all).toBe(0);
      expect(drive.stdout).toContain('after create: created');
      expect(drive.stdout).toMatch(/after start: running pid \d+/);
      expect(drive.stdout).toMatch(/after delete: 1 .*does not exist/);

      const tests = await execa('npx', ['vitest', 'run'], { cwd: project, reject: false, all: true });
      expect(tests.exitCode, tests.all).toBe(0);
      const report = JSON.parse(await readFile(join(project, 'reports', 'rtconform', 'compliance.json'), 'utf8')) as {
        runs: { runtime: { key: string }; results: { requirement: string; status: string }[] }[];
      };
      expect(report.runs.map((r) => ({ runtime: r.runtime.key, results: r.results.map((x) => `${x.requirement} ${x.status}`) }))).toEqual([
        { runtime: 'fake', results: ['kill.unknown-id pass', 'state.annotations pass'] },
      ]);
    } finally {
      await temp.cleanup();
    }
  }, 600_000);
});

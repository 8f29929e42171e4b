import { join } from 'node:path';
import { createViteServer } from 'vitest/node';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { compiledLibrary } from './compiled-library.js';

describe('compiledLibrary', () => {
  // vite's own resolver, with the plugin in it: what the suites' imports become in `rtconform run`.
  async function resolver(): Promise<{ resolve: (id: string, importer: string) => Promise<{ id: string; external: boolean | string } | null>; close: () => Promise<void> }> {
    const library = compiledLibrary(packageRoot());
    const server = await createViteServer({ root: packageRoot(), configFile: false, logLevel: 'silent', server: { middlewareMode: true, ws: false }, plugins: [library.plugin] });
    const container = server.environments.ssr.pluginContainer;
    return {
      resolve: async (id, importer) => {
        const r = await container.resolveId(id, importer);
        return r ? { id: r.id, external: r.external ?? false } : null;
      },
      close: () => server.close(),
    };
  }

  it('resolves a suite\'s import of the library source to its compiled twin, loaded by node (external)', async () => {
    const { resolve, close } = await resolver();
    try {
      const suite = join(packageRoot(), 'suites/lifecycle/start.test.ts');
      for (const module of ['fixtures/test-context', 'runtime/wait-for-status', 'util/eventually']) {
        expect(await resolve(`../../src/${module}.js`, suite)).toEqual({ id: join(packageRoot(), 'dist/src', `${module}.js`), external: true });
      }
      // The suites' own helpers stay sources.
      expect((await resolve('./helpers.js', join(packageRoot(), 'suites/filesystem/root-and-mounts.test.ts')))?.id).toBe(join(packageRoot(), 'suites/filesystem/helpers.ts'));
    } finally {
      await close();
    }
  });

  it('matches the compiled dir only, so node loads nothing else natively', () => {
    const { external } = compiledLibrary(packageRoot());
    expect(external.test(join(packageRoot(), 'dist/src/fixtures/test-context.js'))).toBe(true);
    expect(external.test(join(packageRoot(), 'src/fixtures/test-context.ts'))).toBe(false);
    expect(external.test(join(packageRoot(), 'suites/lifecycle/start.test.ts'))).toBe(false);
  });
});

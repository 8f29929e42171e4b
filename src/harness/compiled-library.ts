import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vitest/config';

/**
 * The suites import rtconform's library from its TypeScript source (`../../src/fixtures/…`). In a
 * built package (`rtconform run`) the same modules exist compiled under dist/src: this plugin
 * resolves each such import to its compiled file, and vitest loads those with node's own import
 * instead of transforming the source again in every run (0.3 s of CPU a run, most of a short
 * run's test-process start). A source file with no compiled twin resolves as before.
 */
export function compiledLibrary(root: string): { plugin: Plugin; external: RegExp } {
  const source = join(root, 'src') + sep;
  const compiled = join(root, 'dist', 'src') + sep;
  const plugin: Plugin = {
    name: 'rtconform:compiled-library',
    enforce: 'pre',
    async resolveId(id, importer, options) {
      if (importer === undefined || !id.startsWith('.') || !id.includes('src/')) return null;
      const resolved = await this.resolve(id, importer, { ...options, skipSelf: true });
      if (!resolved || !resolved.id.startsWith(source) || !resolved.id.endsWith('.ts')) return null;
      const twin = compiled + relative(source, resolved.id).replace(/\.ts$/, '.js');
      return existsSync(twin) ? { id: twin, external: true } : null;
    },
  };
  return { plugin, external: new RegExp(`^${compiled.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`) };
}

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './package-root.js';

/**
 * Which layer may import which (docs/architecture.md draws it). A layer is a folder (or one
 * file); each may import itself and the layers listed. Test files beside the code may import
 * any layer (they drive the code through whatever runs it), except that nothing under
 * src/report, src/cli or bench imports a vitest fixture, tests included.
 */
const LAYERS: Record<string, readonly string[]> = {
  'src/util': [],
  'src/package-root.ts': [],
  'src/spec': ['src/util'],
  'src/requirements': ['src/spec', 'src/util'],
  // The adapter: the public library. It knows nothing of tests, reports or containers.
  'src/runtime': ['src/spec', 'src/util', 'src/package-root.ts'],
  'src/fake-runtime': ['src/spec', 'src/util'],
  'src/probe': ['src/spec', 'src/util', 'src/package-root.ts'],
  'src/bundle': ['src/spec', 'src/util', 'src/package-root.ts'],
  'src/container': ['src/runtime', 'src/spec', 'src/util', 'src/package-root.ts'],
  'src/report': ['src/requirements', 'src/spec', 'src/util', 'src/package-root.ts'],
  // Orchestration of a run: never a vitest fixture.
  'src/harness': ['src/runtime', 'src/container', 'src/bundle', 'src/requirements', 'src/report', 'src/spec', 'src/util', 'src/package-root.ts'],
  // What a suite test uses.
  'src/fixtures': ['src/harness', 'src/runtime', 'src/bundle', 'src/probe', 'src/requirements', 'src/report', 'src/spec', 'src/util', 'src/package-root.ts'],
  'src/cli': ['src/harness', 'src/runtime', 'src/container', 'src/bundle', 'src/probe', 'src/requirements', 'src/report', 'src/spec', 'src/util', 'src/package-root.ts'],
  // The package's entry points: the adapter (index.ts) and the fixtures for vendors' own tests (vitest.ts).
  'src/index.ts': ['src/runtime', 'src/bundle', 'src/spec', 'src/util', 'src/package-root.ts'],
  'src/vitest.ts': ['src/fixtures', 'src/bundle', 'src/probe', 'src/harness', 'src/runtime', 'src/spec'],
  'src/vitest-config.ts': ['src/harness', 'src/package-root.ts'],
  'src/layers.test.ts': ['src/package-root.ts'],
  'src/library.test.ts': ['src/package-root.ts'],
  suites: ['src/fixtures', 'src/bundle', 'src/probe', 'src/runtime', 'src/requirements', 'src/spec', 'src/util'],
  bench: ['src/harness', 'src/runtime', 'src/container', 'src/bundle', 'src/requirements', 'src/report', 'src/spec', 'src/util', 'src/package-root.ts'],
};

const NO_FIXTURES = ['src/report', 'src/cli', 'bench'];

function layerOf(path: string): string | undefined {
  return Object.keys(LAYERS).filter((l) => path === l || path.startsWith(`${l}/`)).sort((a, b) => b.length - a.length)[0];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testdata' || e.name === 'node_modules' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a file, resolved to package paths (`src/runtime/errors.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return found.map((spec) => relative(packageRoot(), resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
}

describe('layers', () => {
  it('every import follows the layer rule (docs/architecture.md)', () => {
    const root = packageRoot();
    const broken: string[] = [];
    for (const file of ['src', 'suites', 'bench'].flatMap((d) => sourceFiles(join(root, d)))) {
      const path = relative(root, file);
      const from = layerOf(path);
      if (from === undefined) {
        broken.push(`${path} is in no layer: add its folder to LAYERS`);
        continue;
      }
      const allowed = path.endsWith('.test.ts')
        ? Object.keys(LAYERS).filter((l) => l !== 'suites' && !(l === 'src/fixtures' && NO_FIXTURES.includes(from)))
        : [from, ...LAYERS[from]!];
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to === undefined || (to !== from && !allowed.includes(to))) broken.push(`${path} imports ${target} (${from} may import ${LAYERS[from]!.join(', ') || 'nothing'})`);
      }
    }
    expect(broken).toEqual([]);
  });
});

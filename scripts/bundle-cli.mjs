// Bundles the command (compiled by tsc into dist/src/cli/main.js and the modules it loads) into
// dist/cli/: main.js and a chunk per command it loads on demand. node resolving, reading and
// compiling ~150 small ES modules cost a `rtconform run` that refuses its input 0.5 CPU-s, the
// bundle 0.2, and rtconform's own tests start the command ~100 times. The library (dist/src)
// stays as tsc wrote it: vendors import it, and the test process loads it beside the suites.
// Packages that load files of their own by path, or native ones, are left to node_modules.
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const out = fileURLToPath(import.meta.resolve('../dist/cli/'));
await build({
  input: { main: fileURLToPath(import.meta.resolve('../dist/src/cli/main.js')) },
  platform: 'node',
  logLevel: 'warn',
  external: [/^(testcontainers|dockerode|docker-modem|ssh2|cpu-features|vitest|vite|@vitest|rolldown|playwright-core|allure|allure-vitest|allure-js-commons)(\/|$)/],
  output: { dir: out, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', cleanDir: true },
});
await chmod(`${out}main.js`, 0o755);

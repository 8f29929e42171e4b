// Bundles the fake runtime (compiled by tsc into dist/src/fake-runtime/) into one CommonJS file,
// dist/fake-runtime/main.cjs. It runs once per runtime call: node resolving and compiling ~20 ES
// modules cost 89 ms of CPU a call, the bundle 66 (node itself starts in 60). npm run build runs it.
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const out = fileURLToPath(import.meta.resolve('../dist/fake-runtime/'));
await build({
  input: fileURLToPath(import.meta.resolve('../dist/src/fake-runtime/main.js')),
  platform: 'node',
  logLevel: 'warn',
  output: { dir: out, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name].cjs' },
});
await chmod(`${out}main.cjs`, 0o755);

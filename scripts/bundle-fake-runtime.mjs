// Bundles the fake runtime (compiled by tsc into dist/src/fake-runtime/) into dist/fake-runtime/:
// main.cjs, the one-shot fake, and server.cjs, the resident one, each one CommonJS file (node
// resolving and compiling ~20 ES modules cost 89 ms of CPU a call, the bundle 66; node itself
// starts in 60); rtconform-fake-runtime, the command, from client.sh; and version, what
// `--version` prints, which the command answers without starting node. npm run build runs it.
import { execFileSync } from 'node:child_process';
import process from 'node:process';
import { chmod, copyFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const out = fileURLToPath(import.meta.resolve('../dist/fake-runtime/'));
const compiled = (name) => fileURLToPath(import.meta.resolve(`../dist/src/fake-runtime/${name}`));
await build({
  input: { main: compiled('main.js'), server: compiled('server.js') },
  platform: 'node',
  logLevel: 'warn',
  output: { dir: out, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name].cjs' },
});
await copyFile(fileURLToPath(import.meta.resolve('../src/fake-runtime/client.sh')), `${out}rtconform-fake-runtime`);
for (const file of ['main.cjs', 'server.cjs', 'rtconform-fake-runtime']) await chmod(`${out}${file}`, 0o755);
await writeFile(`${out}version`, execFileSync(process.execPath, [`${out}main.cjs`, '--version']));

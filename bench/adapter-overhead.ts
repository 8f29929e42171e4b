/**
 * What the adapter costs on top of the runtime: ms per `state` call through CliRuntime against
 * two raw spawns, for the fake and (as root, when installed) runc:
 *   - spawnSync of the bare command (`runc state ID`): the floor of any caller, and the
 *     baseline issue 12 measured;
 *   - an async spawn of the adapter's own command line (with `--log FILE --log-format json`,
 *     which the adapter reads a runtime's error from): what any async caller of that command pays.
 * The three take turns round by round, so the machine's hour-to-hour speed weighs on each alike.
 * Usage: npm run bench
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { dir } from 'tmp-promise';
import { join } from 'node:path';
import { openRuntime } from '../src/runtime/resolve.js';
import { installed } from './installed.js';
import { BundleBuilder, writeConfig } from '../src/bundle/bundle-builder.js';
import { buildBusyboxRootfs } from '../src/bundle/rootfs.js';

const ROUNDS = 100;

async function bench(name: string): Promise<void> {
  const resolved = installed(name);
  if (!resolved) return;
  const work = await dir({ prefix: 'rtconform-bench-', unsafeCleanup: true });
  const root = resolved.profile.name === 'fake' ? join(work.path, 'fake-root') : undefined;
  const runtime = openRuntime(resolved, { workDir: join(work.path, 'adapter'), root });
  const id = `rtc-bench-${process.pid}`;
  const bundle = join(work.path, 'bundle');
  await writeConfig(bundle, new BundleBuilder().args('sleep', '600').build());
  if (resolved.profile.needsRootfs) await buildBusyboxRootfs(join(bundle, 'rootfs'));
  else spawnSync('mkdir', ['-p', join(bundle, 'rootfs')]);
  try {
    const t0 = performance.now();
    await runtime.create(id, { bundle });
    const createMs = performance.now() - t0;
    const globalArgs = [...resolved.profile.globalArgs, ...(root ? ['--root', root] : [])];
    const rawArgs = [...globalArgs, 'state', id];
    const loggedArgs = [...globalArgs, ...(resolved.profile.jsonLog ? ['--log', join(work.path, 'raw.log'), '--log-format', 'json'] : []), 'state', id];
    const spent = { raw: 0, rawAsync: 0, adapter: 0 };
    const timed = async (key: keyof typeof spent, call: () => unknown): Promise<void> => {
      const t = performance.now();
      await call();
      spent[key] += performance.now() - t;
    };
    for (let i = 0; i < ROUNDS; i++) {
      await timed('raw', () => spawnSync(resolved.binary, rawArgs));
      await timed('rawAsync', async () => {
        const child = spawn(resolved.binary, loggedArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.resume();
        child.stderr.resume();
        await once(child, 'close');
      });
      await timed('adapter', () => runtime.state(id));
    }
    const [raw, rawAsync, adapter] = [spent.raw / ROUNDS, spent.rawAsync / ROUNDS, spent.adapter / ROUNDS];
    console.log(`${name}: state via adapter ${adapter.toFixed(1)} ms; spawnSync of the bare command ${raw.toFixed(1)} ms (${(adapter / raw).toFixed(2)}×); `
      + `async spawn of the adapter's command line ${rawAsync.toFixed(1)} ms (${(adapter / rawAsync).toFixed(2)}×); ${ROUNDS} rounds; create+wait ${createMs.toFixed(0)} ms`);
  } finally {
    await runtime.delete(id, { force: true }).catch(() => undefined);
    await work.cleanup();
  }
}

for (const name of ['fake', 'runc']) await bench(name);

/**
 * What the adapter costs on top of the runtime: ms per `state` call through CliRuntime vs a raw
 * spawn of the same command, for the fake and (as root, when installed) runc.
 * Usage: npm run bench
 */
import { spawnSync } from 'node:child_process';
import { dir } from 'tmp-promise';
import { join } from 'node:path';
import { openRuntime } from '../src/runtime/resolve.js';
import { installed } from './installed.js';
import { BundleBuilder, writeConfig } from '../src/bundle/bundle-builder.js';
import { buildBusyboxRootfs } from '../src/bundle/rootfs.js';

const ROUNDS = 30;

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
    const rawArgs = [...resolved.profile.globalArgs, ...(root ? ['--root', root] : []), 'state', id];
    const t1 = performance.now();
    for (let i = 0; i < ROUNDS; i++) spawnSync(resolved.binary, rawArgs);
    const rawMs = (performance.now() - t1) / ROUNDS;
    const t2 = performance.now();
    for (let i = 0; i < ROUNDS; i++) await runtime.state(id);
    const adapterMs = (performance.now() - t2) / ROUNDS;
    console.log(`${name}: state via adapter ${adapterMs.toFixed(1)} ms, raw spawn ${rawMs.toFixed(1)} ms, overhead ${(adapterMs - rawMs).toFixed(1)} ms (${ROUNDS} rounds); create+wait ${createMs.toFixed(0)} ms`);
  } finally {
    await runtime.delete(id, { force: true }).catch(() => undefined);
    await work.cleanup();
  }
}

for (const name of ['fake', 'runc']) await bench(name);

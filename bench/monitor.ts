/**
 * What the monitor costs: a container that runs `exit 7`, created, started and waited for,
 * directly (polling `state` until stopped, as without a monitor) and under conmon (`wait`), per
 * round: wall ms and the machine's CPU ms (conmon is not our child, so /proc/stat counts it).
 * Usage: npm run bench:monitor
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { BundleBuilder, writeConfig } from '../src/bundle/bundle-builder.js';
import { buildBusyboxRootfs } from '../src/bundle/rootfs.js';
import { openRuntime } from '../src/runtime/resolve.js';
import { installed } from './installed.js';
import { waitForStatus } from '../src/runtime/wait-for-status.js';

const ROUNDS = 20;

/** Busy time of all CPUs so far, in ms (user+nice+system+irq+softirq+steal). */
function machineCpuMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100;
}

async function bench(name: string): Promise<void> {
  const resolved = installed(name);
  if (!resolved) return;
  const work = await dir({ prefix: 'rtconform-bench-', unsafeCleanup: true });
  try {
    const bundle = join(work.path, 'bundle');
    await writeConfig(bundle, new BundleBuilder().shell('exit 7').build());
    if (resolved.profile.needsRootfs) await buildBusyboxRootfs(join(bundle, 'rootfs'));
    else await mkdir(join(bundle, 'rootfs'));
    const root = resolved.profile.needsRoot ? undefined : join(work.path, 'root');
    const direct = openRuntime(resolved, { workDir: join(work.path, 'direct'), root });
    const monitored = openRuntime(resolved, { workDir: join(work.path, 'monitored'), root, monitor: { binary: 'conmon' } });
    const ways = {
      direct: async (id: string) => {
        await direct.create(id, { bundle });
        await direct.start(id);
        await waitForStatus(direct, id, 'stopped');
      },
      monitored: async (id: string) => {
        await monitored.create(id, { bundle });
        await monitored.start(id);
        const ended = await monitored.wait(id);
        if (ended.exitCode !== 7) throw new Error(`${name} under conmon: exit ${ended.exitCode}, not 7`);
      },
    };
    for (const [way, once] of Object.entries(ways)) {
      let wall = 0;
      let cpu = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const id = `rtc-bench-${process.pid}-${way}-${i}`;
        const [w0, c0] = [performance.now(), machineCpuMs()];
        await once(id);
        wall += performance.now() - w0;
        cpu += machineCpuMs() - c0;
        await direct.delete(id, { force: true });
      }
      console.log(`${name} ${way.padEnd(9)} create+start+exit: ${(wall / ROUNDS).toFixed(0)} ms wall, ${(cpu / ROUNDS).toFixed(0)} ms of the machine's CPU (${ROUNDS} rounds)`);
    }
  } finally {
    await work.cleanup();
  }
}

for (const name of ['fake', 'runc']) await bench(name);

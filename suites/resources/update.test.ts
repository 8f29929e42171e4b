import { expect } from 'vitest';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import type { LinuxResources } from '../../src/spec/config.js';
import {
  CPU_PERIOD, CPU_QUOTA, CPU_SHARES, FORK_SLEEPERS, MEMORY_LIMIT, MiB, PIDS_MAX,
  readCgroups, cpuWeights, execProbe, fileIn, installProbe, type CgroupFile, type CgroupReading,
} from './cgroup-reading.js';
import { expectControlsDiffer } from '../control.js';

describeRuntimes('resources: update of a running container', (requirement) => {
  /** The files' keys in this view (or a skip), checked before any container is made. */
  const keysFor = async (ctx: RuntimeTestContext, ...files: CgroupFile[]): Promise<{ view: CgroupReading; keys: string[] }> => {
    skipIfLimited(ctx, 'noCgroups');
    const view = await readCgroups(ctx);
    return { view, keys: files.map((f) => fileIn(ctx, view, f)) };
  };

  /** A running container with `resources`, its own cgroup view and the probe to exec. */
  const running = async (ctx: RuntimeTestContext, resources: LinuxResources): Promise<void> => {
    const b = await ctx.bundle((c) => c.args('sleep', '600').ownCgroupNamespace().resources(resources));
    await installProbe(b);
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    await ctx.runtime.start(ctx.id);
  };

  /** The container's cgroup files at `keys`, as an exec'd probe reads them. */
  const files = async (ctx: RuntimeTestContext, keys: string[]): Promise<Record<string, string | undefined>> => {
    const { cgroupFiles } = await execProbe(ctx, ctx.id);
    return Object.fromEntries(keys.map((k) => [k, cgroupFiles[k]]));
  };

  requirement('cli.update.memory', 'update changes the memory limit of a running container', async (ctx) => {
    const { keys: [key] } = await keysFor(ctx, MEMORY_LIMIT);
    await running(ctx, { memory: { limit: 64 * MiB } });
    expect(await files(ctx, [key!]), 'before update').toEqual({ [key!]: String(64 * MiB) });
    await ctx.runtime.update(ctx.id, { memory: { limit: 96 * MiB } });
    expect(await files(ctx, [key!]), `after update to memory.limit ${96 * MiB}`).toEqual({ [key!]: String(96 * MiB) });
  });

  // The two ways to hand update its resources, each its own requirement: the adapter's default
  // (stdin) is what containerd does, so a runtime that cannot read `-` fails under containerd.
  for (const [id, resourcesFrom, flag, source, limit] of [
    ['cli.update.resources-stdin', 'stdin', '-', 'standard input', 80],
    ['cli.update.resources-file', 'file', 'FILE', 'a file', 112],
  ] as const) {
    requirement(id, `update --resources ${flag} applies the memory limit it reads from ${source}`, async (ctx) => {
      const { keys: [key] } = await keysFor(ctx, MEMORY_LIMIT);
      await running(ctx, { memory: { limit: 64 * MiB } });
      // The control: the limit before the update, 64 MiB, differs from the one asked for.
      expect(await files(ctx, [key!]), 'before update').toEqual({ [key!]: String(64 * MiB) });
      await ctx.runtime.update(ctx.id, { memory: { limit: limit * MiB } }, { resourcesFrom });
      const after = await files(ctx, [key!]);
      expect(after, `after update --resources ${flag} to memory.limit ${limit * MiB}`).toEqual({ [key!]: String(limit * MiB) });
    });
  }

  requirement('cli.update.pids', 'update changes the pids limit of a running container, and forks beyond it fail', async (ctx) => {
    const { keys: [key] } = await keysFor(ctx, PIDS_MAX);
    await running(ctx, { pids: { limit: 64 } });
    expect(await files(ctx, [key!]), 'before update').toEqual({ [key!]: '64' });
    // Room for the runtime's own helper joining the cgroup on exec, and for a dozen sleepers.
    const limit = 16;
    const attempts = 40;
    await ctx.runtime.update(ctx.id, { pids: { limit } });
    expect(await files(ctx, [key!]), `after update to pids.limit ${limit}`).toEqual({ [key!]: String(limit) });
    const fork = await ctx.runtime.exec(ctx.id, ['sh', '-c', FORK_SLEEPERS(attempts)], { timeoutMs: 30_000 });
    const started = Number(fork.stdout.trim().split('\n').at(-1) ?? 0);
    const tasks = (await ctx.runtime.ps(ctx.id)).length;
    const what = `a shell forking ${attempts} sleepers after update to pids.limit ${limit} (exit ${fork.exitCode}, stderr: ${fork.stderr.trim()})`;
    expect(started, `sleepers started by ${what}`).toBeLessThan(attempts);
    expect(tasks, `processes in the container after ${what}`).toBeLessThanOrEqual(limit);
  });

  requirement('cli.update.cpu', 'update changes CPU shares, quota and period of a running container', async (ctx) => {
    const { view, keys } = await keysFor(ctx, CPU_SHARES, CPU_QUOTA, CPU_PERIOD);
    const [shares, quota, period] = keys as [string, string, string];
    await running(ctx, { cpu: { shares: 512, quota: 50_000, period: 100_000 } });
    // The control: the files before the update, read as after it.
    const before = await files(ctx, [...new Set(keys)]);
    await ctx.runtime.update(ctx.id, { cpu: { shares: 256, quota: 30_000, period: 150_000 } });
    const after = await files(ctx, [...new Set(keys)]);
    const weight = after[shares];
    /** What the test checks of the files, as it reads them after the update. */
    const checked = (read: Record<string, string | undefined>): Record<string, unknown> => (view.version === 2
      ? { 'cpu.shares': cpuWeights(256).includes(read[shares] ?? ''), 'cpu.quota': read[quota]?.split(' ')[0], 'cpu.period': read[quota]?.split(' ')[1] }
      : { 'cpu.shares': read[shares], 'cpu.quota': read[quota], 'cpu.period': read[period] });
    if (view.version === 2) {
      expect(cpuWeights(256), `${shares} after update to cpu.shares 256`).toContain(weight);
      expect(after[quota], `${quota} after update to cpu.quota 30000 and cpu.period 150000`).toBe('30000 150000');
    } else {
      expect(after, 'cpu files after update to cpu.shares 256, cpu.quota 30000 and cpu.period 150000')
        .toEqual({ [shares]: '256', [quota]: '30000', [period]: '150000' });
    }
    expectControlsDiffer('the cpu files before the update', checked(after), checked(before));
  });
});

import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { waitFor } from '../../src/util/wait.js';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import type { CheckpointOptions } from '../../src/runtime/argv.js';
import { requireCriu as criuUsable } from './criu.js';
import { MEMORY_LIMIT, MiB, fileIn, readCgroups } from '../resources/cgroup-reading.js';

/** What the checkpoint option suites share: containers to checkpoint, the tools in them, a checkpoint that needs its option. */

/** CRIU cannot dump a descriptor of a file outside the container's mounts, so these containers get /dev/null. */
export const QUIET = { stdin: '/dev/null', stdout: '/dev/null', stderr: '/dev/null' };

/** CRIU usable, and the runtime able to save process memory at all. */
export async function requireMemoryCheckpoint(ctx: RuntimeTestContext): Promise<void> {
  skipIfLimited(ctx, 'noMemoryCheckpoint');
  await criuUsable(ctx);
}

/**
 * The tools these tests hold locks and connections with (util-linux's flock, socat) are not in
 * busybox: the bundle binds the target's /usr, read-only, and links lib and lib64 to it so its
 * programs find their libraries. Skips, saying so, where the target lacks them.
 */
export async function targetTools(ctx: RuntimeTestContext, tools: string[]): Promise<(c: BundleBuilder) => BundleBuilder> {
  for (const tool of tools) {
    if (!(await ctx.runner.isExecutable(`/usr/bin/${tool}`))) ctx.skip(`/usr/bin/${tool} is not on the ${ctx.selection.target.description} (the runtimes image has it)`);
  }
  return (c) => c.mount({ destination: '/usr', type: 'bind', source: '/usr', options: ['bind', 'ro'] });
}

/** A bundle whose init runs `script`; returns its dir. */
export async function bundleWith(ctx: RuntimeTestContext, script: string, tools: (c: BundleBuilder) => BundleBuilder = (c) => c): Promise<string> {
  const b = await ctx.bundle((c) => tools(c.shell(script)));
  // Where /usr is the target's, its programs look for their libraries through /lib and /lib64.
  for (const link of ['lib', 'lib64']) await symlink(`usr/${link}`, join(b.dir, 'rootfs', link)).catch(() => undefined);
  return b.dir;
}

/** Creates and starts `id` from `bundleDir`; returns once `ready` (a command in it) succeeds. */
export async function startReady(ctx: RuntimeTestContext, id: string, bundleDir: string, ready: string[], stdio: Partial<typeof QUIET> = QUIET): Promise<void> {
  await ctx.runtime.create(id, { bundle: bundleDir, stdio: { ...QUIET, ...stdio } });
  await ctx.runtime.start(id);
  await waitFor(async () => ((await ctx.runtime.exec(id, ready)).exitCode === 0 ? true : undefined), {
    timeoutMs: 10_000, intervalMs: 50, who: 'runtime', description: `the container to be ready (${ready.join(' ')})`,
  });
}

/** A running container (ctx.id) whose init runs `script`; returns its bundle dir once `ready` succeeds. */
export async function runningWith(ctx: RuntimeTestContext, script: string, ready: string[], tools: (c: BundleBuilder) => BundleBuilder = (c) => c): Promise<string> {
  const dir = await bundleWith(ctx, script, tools);
  await startReady(ctx, ctx.id, dir, ready);
  return dir;
}

/**
 * The limit of a checkpoint that leaves the container running, or pre-dumps it: CRIU takes about
 * a second for these small containers, several on a loaded machine, while runsc 20221219's
 * `checkpoint --leave-running` never returns. 15 s is ample for the one and makes the other
 * cost half the run's call timeout (30 s), which six of these tests waited out.
 */
export const LEAVE_RUNNING_LIMIT = { timeoutMs: 15_000 } as const;

export const exists = (ctx: RuntimeTestContext, id: string): Promise<boolean> => ctx.runtime.state(id).then(() => true, () => false);

/** An image and a work dir of this test, by name. */
export const paths = (ctx: RuntimeTestContext, name: string) => ({ imagePath: join(ctx.workDir, `${name}-image`), workPath: join(ctx.workDir, `${name}-work`) });

/**
 * Checkpoint refused without `option` (the container left running), then done with it,
 * restored with it, running: what the option is for.
 */
export async function onlyWith(ctx: RuntimeTestContext, bundleDir: string, option: Pick<CheckpointOptions, 'fileLocks' | 'tcpEstablished' | 'extUnixSk'>): Promise<void> {
  await refusal(ctx.runtime.checkpoint(ctx.id, { ...paths(ctx, 'without'), leaveRunning: true, ...LEAVE_RUNNING_LIMIT }));
  expect(await ctx.runtime.status(ctx.id), 'the container after the checkpoint refused without the option').toBe('running');
  await ctx.runtime.checkpoint(ctx.id, { ...paths(ctx, 'with'), ...option }).catch(async (error: unknown) => {
    // CRIU older than the kernel can fail on what the kernel no longer answers (4.1 asks every
    // socket for SO_PASSCRED, which Linux 6.16+ refuses for all but unix sockets): that is
    // CRIU's limit where the runtime runs, not the runtime's, and it says so in its log.
    const log = await readFile(join(paths(ctx, 'with').workPath, 'dump.log'), 'utf8').catch(() => '');
    const unsupported = /Error \(criu\/sockets\.c:\d+\): sockets: Can't get \d+:\d+ opt: Operation not supported/.exec(log)?.[0];
    if (unsupported) ctx.skip(`CRIU cannot dump a socket on this kernel (its log: "${unsupported}")`);
    throw error;
  });
  if (await exists(ctx, ctx.id)) await ctx.runtime.delete(ctx.id, { force: true });
  await ctx.runtime.restore(ctx.id, { ...paths(ctx, 'with'), ...option, bundle: bundleDir, detach: true, stdio: QUIET });
  expect(await ctx.runtime.status(ctx.id), 'the restored container').toBe('running');
}

/**
 * The memory cgroup of a process, as a dir where the runtime runs (the container's own view of
 * cgroups may be rooted elsewhere after a restore): cgroup v1's memory hierarchy, or v2's.
 */
export async function memoryCgroupOf(ctx: RuntimeTestContext, pid: number): Promise<{ dir: string; version: 1 | 2 }> {
  const lines = (await ctx.runner.run('cat', [`/proc/${pid}/cgroup`], { timeoutMs: 10_000 })).stdout.split('\n');
  const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  return v1 ? { dir: `/sys/fs/cgroup/memory${v1.split(':')[2]}`, version: 1 } : { dir: `/sys/fs/cgroup${lines.find((l) => l.startsWith('0::'))?.slice(3) ?? ''}`, version: 2 };
}

/** The memory limit of the cgroup a container's process is in: cgroup v1's memory.limit_in_bytes, or v2's memory.max. */
export async function memoryLimitOf(ctx: RuntimeTestContext, id = ctx.id): Promise<string> {
  const { pid } = await ctx.runtime.state(id);
  expect(pid, `the pid state reports for ${id}`).toBeTypeOf('number');
  const { dir, version } = await memoryCgroupOf(ctx, pid!);
  return (await ctx.runner.run('cat', [join(dir, version === 1 ? 'memory.limit_in_bytes' : 'memory.max')], { timeoutMs: 10_000 })).stdout.trim();
}

/** A running container (ctx.id), `sleep 600` under a memory limit of 64 MiB in its config.json, with cgroups where the runtime runs. */
export async function runningUnderMemoryLimit(ctx: RuntimeTestContext): Promise<string> {
  await requireMemoryCheckpoint(ctx);
  skipIfLimited(ctx, 'noCgroups');
  fileIn(ctx, await readCgroups(ctx), MEMORY_LIMIT);
  const b = await ctx.bundle((c) => c.resources({ memory: { limit: 64 * MiB } }).args('sleep', '600'));
  await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: QUIET });
  await ctx.runtime.start(ctx.id);
  return b.dir;
}

import { readdir, readFile, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRuntimes, skipIfLimited, skipOverBridge, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { requireCriu as criuUsable } from './criu.js';
import { waitFor } from '../../src/util/wait.js';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import type { CheckpointOptions } from '../../src/runtime/argv.js';
import { MEMORY_LIMIT, MiB, fileIn, readCgroups } from '../resources/cgroup-reading.js';

/**
 * Checkpoint options beyond a plain dump and restore, as containerd and cri-o use them: what
 * CRIU will not dump by default (a held file lock, an established TCP connection), an
 * incremental dump (pre-dump, then a dump on top of it), and a restore under a new id. The
 * tests for the first show the checkpoint refused without the option before doing it with it:
 * dropping the option fails them.
 */

/** CRIU cannot dump a descriptor of a file outside the container's mounts, so these containers get /dev/null. */
const QUIET = { stdin: '/dev/null', stdout: '/dev/null', stderr: '/dev/null' };

/** CRIU usable, and the runtime able to save process memory at all. */
async function requireCriu(ctx: RuntimeTestContext): Promise<void> {
  skipIfLimited(ctx, 'noMemoryCheckpoint');
  await criuUsable(ctx);
}

/**
 * The tools these tests hold locks and connections with (util-linux's flock, socat) are not in
 * busybox: the bundle binds the target's /usr, read-only, and links lib and lib64 to it so its
 * programs find their libraries. Skips, saying so, where the target lacks them.
 */
async function targetTools(ctx: RuntimeTestContext, tools: string[]): Promise<(c: BundleBuilder) => BundleBuilder> {
  for (const tool of tools) {
    if (!(await ctx.runner.isExecutable(`/usr/bin/${tool}`))) ctx.skip(`/usr/bin/${tool} is not on the ${ctx.selection.target.description} (the runtimes image has it)`);
  }
  return (c) => c.mount({ destination: '/usr', type: 'bind', source: '/usr', options: ['bind', 'ro'] });
}

/** A running container whose init runs `script`; returns once `ready` (a command in it) succeeds. */
async function runningWith(ctx: RuntimeTestContext, script: string, ready: string[], tools: (c: BundleBuilder) => BundleBuilder = (c) => c): Promise<string> {
  const b = await ctx.bundle((c) => tools(c.shell(script)));
  // Where /usr is the target's, its programs look for their libraries through /lib and /lib64.
  for (const link of ['lib', 'lib64']) await symlink(`usr/${link}`, join(b.dir, 'rootfs', link)).catch(() => undefined);
  await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: QUIET });
  await ctx.runtime.start(ctx.id);
  await waitFor(async () => ((await ctx.runtime.exec(ctx.id, ready)).exitCode === 0 ? true : undefined), {
    timeoutMs: 10_000, intervalMs: 50, description: `the container to be ready (${ready.join(' ')})`,
  });
  return b.dir;
}

/**
 * Checkpoint refused without `option` (the container left running), then done with it,
 * restored with it, running: what the option is for.
 */
async function onlyWith(ctx: RuntimeTestContext, bundleDir: string, option: Pick<CheckpointOptions, 'fileLocks' | 'tcpEstablished'>): Promise<void> {
  const paths = (name: string) => ({ imagePath: join(ctx.workDir, `${name}-image`), workPath: join(ctx.workDir, `${name}-work`) });
  await refusal(ctx.runtime.checkpoint(ctx.id, { ...paths('without'), leaveRunning: true }));
  expect(await ctx.runtime.status(ctx.id), 'the container after the checkpoint refused without the option').toBe('running');
  await ctx.runtime.checkpoint(ctx.id, { ...paths('with'), ...option }).catch(async (error: unknown) => {
    // CRIU older than the kernel can fail on what the kernel no longer answers (4.1 asks every
    // socket for SO_PASSCRED, which Linux 6.16+ refuses for all but unix sockets): that is
    // CRIU's limit where the runtime runs, not the runtime's, and it says so in its log.
    const log = await readFile(join(paths('with').workPath, 'dump.log'), 'utf8').catch(() => '');
    const unsupported = /Error \(criu\/sockets\.c:\d+\): sockets: Can't get \d+:\d+ opt: Operation not supported/.exec(log)?.[0];
    if (unsupported) ctx.skip(`CRIU cannot dump a socket on this kernel (its log: "${unsupported}")`);
    throw error;
  });
  if (await ctx.runtime.state(ctx.id).then(() => true, () => false)) await ctx.runtime.delete(ctx.id, { force: true });
  await ctx.runtime.restore(ctx.id, { ...paths('with'), ...option, bundle: bundleDir, detach: true, stdio: QUIET });
  expect(await ctx.runtime.status(ctx.id), 'the restored container').toBe('running');
}

describeRuntimes('checkpoint and restore: options for locks, connections, incremental dumps and new ids', (requirement) => {
  requirement('cli.checkpoint.file-locks', 'a held file lock: refused without --file-locks, held again after restore with it', async (ctx) => {
    await requireCriu(ctx);
    const tools = await targetTools(ctx, ['flock']);
    // The init (flock) holds an exclusive lock on /tmp/lock while its child sleeps.
    const bundleDir = await runningWith(ctx, ': > /tmp/lock; exec /usr/bin/flock /tmp/lock /bin/sleep 600', ['/bin/sh', '-c', '! /usr/bin/flock -n /tmp/lock /bin/true'], tools);
    await onlyWith(ctx, bundleDir, { fileLocks: true });
    const probe = await ctx.runtime.exec(ctx.id, ['/usr/bin/flock', '-n', '/tmp/lock', '/bin/true']);
    expect(probe.exitCode, 'flock -n on the lock after restore (1: held again by the restored init)').toBe(1);
  });

  requirement('cli.checkpoint.tcp-established', 'an established loopback TCP connection: refused without --tcp-established, carrying data again after restore with it', async (ctx) => {
    await requireCriu(ctx);
    skipOverBridge(ctx, 'the fifo the container makes in its rootfs');
    const tools = await targetTools(ctx, ['socat']);
    // A server appends what it receives to /tmp/received; a client sends what is written to the
    // fifo /tmp/in, which the init holds open read-write so the client never sees its end. The
    // client tries again until the server listens (on a loaded machine that takes a while).
    const script = '/usr/bin/socat -u TCP-LISTEN:7000,bind=127.0.0.1,reuseaddr OPEN:/tmp/received,creat,append & '
      + 'mkfifo /tmp/in; exec 8<>/tmp/in; /usr/bin/socat -u FD:8 TCP:127.0.0.1:7000,retry=100,interval=0.05 & echo before > /tmp/in; exec /bin/sleep 600';
    const bundleDir = await runningWith(ctx, script, ['/bin/grep', '-q', 'before', '/tmp/received'], tools);
    await onlyWith(ctx, bundleDir, { tcpEstablished: true });
    await ctx.runtime.exec(ctx.id, ['/bin/sh', '-c', 'echo after-restore > /tmp/in']);
    const received = await waitFor(async (seen) => {
      const text = (await ctx.runtime.exec(ctx.id, ['/bin/cat', '/tmp/received'])).stdout;
      seen(text);
      return text.includes('after-restore') ? text : undefined;
    }, { timeoutMs: 10_000, description: 'the restored connection to carry a line' });
    expect(received.split('\n').filter(Boolean), 'what the server received over its one connection').toEqual(['before', 'after-restore']);
  });

  requirement('cli.restore.resources', 'a restored container runs under the memory limit of its config', async (ctx) => {
    await requireCriu(ctx);
    skipIfLimited(ctx, 'noCgroups');
    fileIn(ctx, await readCgroups(ctx), MEMORY_LIMIT);
    const b = await ctx.bundle((c) => c.resources({ memory: { limit: 64 * MiB } }).args('sleep', '600'));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: QUIET });
    await ctx.runtime.start(ctx.id);
    expect(await memoryLimitOf(ctx), 'the memory limit of the container\'s cgroup before the checkpoint').toBe(String(64 * MiB));
    const paths = { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') };
    await ctx.runtime.checkpoint(ctx.id, paths);
    if (await ctx.runtime.state(ctx.id).then(() => true, () => false)) await ctx.runtime.delete(ctx.id, { force: true });
    await ctx.runtime.restore(ctx.id, { ...paths, bundle: b.dir, detach: true, stdio: QUIET });
    expect(await memoryLimitOf(ctx), `the memory limit of the restored container's cgroup, with memory.limit ${64 * MiB} in config.json`).toBe(String(64 * MiB));
  });

  requirement('cli.checkpoint.pre-dump', 'pre-dump then a dump with --parent-path: the final image holds fewer pages, and it restores', async (ctx) => {
    await requireCriu(ctx);
    // A pre-dump needs the kernel to track which pages change (soft-dirty bits): CRIU says whether it can.
    const tracking = await ctx.runner.run('criu', ['check', '--feature', 'mem_dirty_track'], { timeoutMs: 20_000 });
    if (tracking.exitCode !== 0) ctx.skip(`CRIU cannot track memory changes where the runtime runs, so no pre-dump can work: criu check --feature mem_dirty_track says ${JSON.stringify((tracking.stdout + tracking.stderr).trim().slice(0, 200))}`);
    // 8 MiB of memory that does not change, so the final dump after a pre-dump has little left to save.
    const bundleDir = await runningWith(ctx, 'dd if=/dev/urandom of=/dev/shm/ballast bs=1M count=8 2>/dev/null; exec sleep 600', ['test', '-s', '/dev/shm/ballast']);
    const full = join(ctx.workDir, 'full-image');
    await ctx.runtime.checkpoint(ctx.id, { imagePath: full, workPath: join(ctx.workDir, 'full-work'), leaveRunning: true });
    const pre = join(ctx.workDir, 'images', 'pre');
    await ctx.runtime.checkpoint(ctx.id, { imagePath: pre, workPath: join(ctx.workDir, 'pre-work'), preDump: true });
    expect(await ctx.runtime.status(ctx.id), 'the container after a pre-dump').toBe('running');
    const final = join(ctx.workDir, 'images', 'final');
    await ctx.runtime.checkpoint(ctx.id, { imagePath: final, workPath: join(ctx.workDir, 'final-work'), parentPath: '../pre' });
    const [fullPages, finalPages] = [await pagesBytes(full), await pagesBytes(final)];
    expect(finalPages, `pages in the final image (${finalPages} bytes) against a full dump's (${fullPages})`).toBeLessThan(fullPages / 2);
    if (await ctx.runtime.state(ctx.id).then(() => true, () => false)) await ctx.runtime.delete(ctx.id, { force: true });
    await ctx.runtime.restore(ctx.id, { imagePath: final, workPath: join(ctx.workDir, 'restore-work'), bundle: bundleDir, detach: true, stdio: QUIET });
    expect(await ctx.runtime.status(ctx.id), 'the container restored from the final image').toBe('running');
    expect((await ctx.runtime.exec(ctx.id, ['test', '-s', '/dev/shm/ballast'])).exitCode, 'the memory the pre-dump saved is there').toBe(0);
  });

  requirement('cli.restore.new-id', 'a checkpoint restores under a new container id, the old one gone', async (ctx) => {
    await requireCriu(ctx);
    const bundleDir = await runningWith(ctx, 'echo here > /tmp/mark; exec sleep 600', ['test', '-f', '/tmp/mark']);
    const paths = { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') };
    await ctx.runtime.checkpoint(ctx.id, paths);
    if (await ctx.runtime.state(ctx.id).then(() => true, () => false)) await ctx.runtime.delete(ctx.id, { force: true });
    const other = ctx.newId();
    await ctx.runtime.restore(other, { ...paths, bundle: bundleDir, detach: true, stdio: QUIET });
    expect(await ctx.runtime.status(other), 'the container under its new id').toBe('running');
    expect((await ctx.runtime.exec(other, ['cat', '/tmp/mark'])).stdout).toBe('here\n');
    await refusal(ctx.runtime.state(ctx.id));
  });
});

/**
 * The memory limit of the cgroup the container's process is in, read where the runtime runs
 * (the container's own view of cgroups may be rooted elsewhere after a restore): cgroup v1's
 * memory.limit_in_bytes, or v2's memory.max.
 */
async function memoryLimitOf(ctx: RuntimeTestContext): Promise<string> {
  const { pid } = await ctx.runtime.state(ctx.id);
  const lines = (await ctx.runner.run('cat', [`/proc/${pid}/cgroup`], { timeoutMs: 10_000 })).stdout.split('\n');
  const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  const file = v1 ? `/sys/fs/cgroup/memory${v1.split(':')[2]}/memory.limit_in_bytes` : `/sys/fs/cgroup${lines.find((l) => l.startsWith('0::'))?.slice(3) ?? ''}/memory.max`;
  return (await ctx.runner.run('cat', [file], { timeoutMs: 10_000 })).stdout.trim();
}

/** Bytes of memory pages a CRIU image holds (its pages-*.img files). */
async function pagesBytes(image: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(image)) if (/^pages-\d+\.img$/.test(name)) total += (await stat(join(image, name))).size;
  return total;
}

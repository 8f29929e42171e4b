import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { describeRuntimes, skipOverBridge, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { commandPath } from '../../src/runtime/process-runner.js';
import { waitFor } from '../../src/util/wait.js';
import { MiB } from '../resources/cgroup-reading.js';
import { LEAVE_RUNNING_LIMIT, QUIET, exists, memoryLimitOf, onlyWith, requireMemoryCheckpoint, runningUnderMemoryLimit, runningWith, targetTools } from './containers.js';

/**
 * Checkpoint options beyond a plain dump and restore, as containerd and cri-o use them: what
 * CRIU will not dump by default (a held file lock, an established TCP connection), an
 * incremental dump (pre-dump, then a dump on top of it), and a restore under a new id. The
 * tests for the first show the checkpoint refused without the option before doing it with it:
 * dropping the option fails them.
 */

/**
 * A network namespace of the test's own where the runtime runs, lo up, kept by a bind mount at a
 * file of the run dir (not the test's work dir, whose removal a mount point would stop; a killed
 * run's sweep unmounts it); unmounted and removed when the test ends. rtconform's own machinery:
 * a failure to make it is an error, never the runtime's.
 */
async function ownNetworkNamespace(ctx: RuntimeTestContext): Promise<string> {
  for (const tool of ['unshare', 'ip']) {
    if ((await commandPath(ctx.runner, tool)) === undefined) ctx.skip(`no ${tool} on the ${ctx.selection.target.description} to make a network namespace with (util-linux, iproute2)`);
  }
  const dir = join(ctx.run.runDir, 'netns');
  await mkdir(dir, { recursive: true });
  const file = join(dir, basename(ctx.workDir));
  await writeFile(file, '');
  ctx.onTestFinished(async () => {
    await ctx.runner.run('umount', ['--lazy', file], { timeoutMs: 10_000 });
    await rm(file, { force: true });
  });
  const made = await ctx.runner.run('sh', ['-c', 'unshare --net="$1" ip link set lo up', 'netns', file], { timeoutMs: 10_000 });
  if (made.exitCode !== 0) throw new Error(`could not make a network namespace at ${file} (unshare --net, ip link set lo up): ${made.stderr.trim()}`);
  return file;
}

describeRuntimes('checkpoint and restore: options for locks, connections, incremental dumps and new ids', (requirement) => {
  requirement('cli.checkpoint.file-locks', 'a held file lock: refused without --file-locks, held again after restore with it', async (ctx) => {
    await requireMemoryCheckpoint(ctx);
    const tools = await targetTools(ctx, ['flock']);
    // The init (flock) holds an exclusive lock on /tmp/lock while its child sleeps.
    const bundleDir = await runningWith(ctx, ': > /tmp/lock; exec /usr/bin/flock /tmp/lock /bin/sleep 600', ['/bin/sh', '-c', '! /usr/bin/flock -n /tmp/lock /bin/true'], tools);
    await onlyWith(ctx, bundleDir, { fileLocks: true });
    const probe = await ctx.runtime.exec(ctx.id, ['/usr/bin/flock', '-n', '/tmp/lock', '/bin/true']);
    expect(probe.exitCode, 'flock -n on the lock after restore (1: held again by the restored init)').toBe(1);
  });

  requirement('cli.checkpoint.tcp-established', 'an established loopback TCP connection: refused without --tcp-established, carrying data again after restore with it', async (ctx) => {
    await requireMemoryCheckpoint(ctx);
    skipOverBridge(ctx, 'the fifo the container makes in its rootfs');
    const tools = await targetTools(ctx, ['socat']);
    // A server appends what it receives to /tmp/received; a client sends what is written to the
    // fifo /tmp/in, which the init holds open read-write so the client never sees its end. The
    // client tries again until the server listens (on a loaded machine that takes a while).
    const script = '/usr/bin/socat -u TCP-LISTEN:7000,bind=127.0.0.1,reuseaddr OPEN:/tmp/received,creat,append & '
      + 'mkfifo /tmp/in; exec 8<>/tmp/in; /usr/bin/socat -u FD:8 TCP:127.0.0.1:7000,retry=100,interval=0.05 & echo before > /tmp/in; exec /bin/sleep 600';
    // The container joins a network namespace by path, as containerd and cri-o give every
    // container one: runc never dumps a namespace it made itself (it restores into an empty one
    // whose lo is down, so no loopback connection can come back; runc PR #1871), and a runtime
    // that keeps the connection must do it in the namespace the caller manages.
    const netns = await ownNetworkNamespace(ctx);
    const bundleDir = await runningWith(ctx, script, ['/bin/grep', '-q', 'before', '/tmp/received'], (c) => tools(c).namespace('network', netns));
    await onlyWith(ctx, bundleDir, { tcpEstablished: true });
    await ctx.runtime.exec(ctx.id, ['/bin/sh', '-c', 'echo after-restore > /tmp/in']);
    const received = await waitFor(async (seen) => {
      const text = (await ctx.runtime.exec(ctx.id, ['/bin/cat', '/tmp/received'])).stdout;
      seen(text);
      return text.includes('after-restore') ? text : undefined;
    }, { timeoutMs: 10_000, who: 'runtime', description: 'the restored connection to carry a line' });
    expect(received.split('\n').filter(Boolean), 'what the server received over its one connection').toEqual(['before', 'after-restore']);
  });

  requirement('cli.restore.resources', 'a restored container runs under the memory limit of its config', async (ctx) => {
    const bundleDir = await runningUnderMemoryLimit(ctx);
    expect(await memoryLimitOf(ctx), 'the memory limit of the container\'s cgroup before the checkpoint').toBe(String(64 * MiB));
    const paths = { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') };
    await ctx.runtime.checkpoint(ctx.id, paths);
    if (await exists(ctx, ctx.id)) await ctx.runtime.delete(ctx.id, { force: true });
    await ctx.runtime.restore(ctx.id, { ...paths, bundle: bundleDir, detach: true, stdio: QUIET });
    expect(await memoryLimitOf(ctx), `the memory limit of the restored container's cgroup, with memory.limit ${64 * MiB} in config.json`).toBe(String(64 * MiB));
  });

  requirement('cli.checkpoint.pre-dump', 'pre-dump then a dump with --parent-path: the final image holds fewer pages, and it restores', async (ctx) => {
    await requireMemoryCheckpoint(ctx);
    // A pre-dump through CRIU needs the kernel to track which pages change (soft-dirty bits): CRIU
    // says whether it can. A runtime that saves containers its own way (runsc) is asked as it is.
    if (ctx.runtime.profile.usesCriu) {
      const tracking = await ctx.runner.run('criu', ['check', '--feature', 'mem_dirty_track'], { timeoutMs: 20_000 });
      if (tracking.exitCode !== 0) ctx.skip(`CRIU cannot track memory changes where the runtime runs, so no pre-dump can work: criu check --feature mem_dirty_track says ${JSON.stringify((tracking.stdout + tracking.stderr).trim().slice(0, 200))}`);
    }
    // 8 MiB of memory that does not change, so the final dump after a pre-dump has little left to save.
    const bundleDir = await runningWith(ctx, 'dd if=/dev/urandom of=/dev/shm/ballast bs=1M count=8 2>/dev/null; exec sleep 600', ['test', '-s', '/dev/shm/ballast']);
    const full = join(ctx.workDir, 'full-image');
    await ctx.runtime.checkpoint(ctx.id, { imagePath: full, workPath: join(ctx.workDir, 'full-work'), leaveRunning: true, ...LEAVE_RUNNING_LIMIT });
    const pre = join(ctx.workDir, 'images', 'pre');
    await ctx.runtime.checkpoint(ctx.id, { imagePath: pre, workPath: join(ctx.workDir, 'pre-work'), preDump: true, ...LEAVE_RUNNING_LIMIT });
    expect(await ctx.runtime.status(ctx.id), 'the container after a pre-dump').toBe('running');
    const final = join(ctx.workDir, 'images', 'final');
    await ctx.runtime.checkpoint(ctx.id, { imagePath: final, workPath: join(ctx.workDir, 'final-work'), parentPath: '../pre' });
    const [fullPages, finalPages] = [await pagesBytes(full), await pagesBytes(final)];
    expect(finalPages, `pages in the final image (${finalPages} bytes) against a full dump's (${fullPages})`).toBeLessThan(fullPages / 2);
    if (await exists(ctx, ctx.id)) await ctx.runtime.delete(ctx.id, { force: true });
    await ctx.runtime.restore(ctx.id, { imagePath: final, workPath: join(ctx.workDir, 'restore-work'), bundle: bundleDir, detach: true, stdio: QUIET });
    expect(await ctx.runtime.status(ctx.id), 'the container restored from the final image').toBe('running');
    expect((await ctx.runtime.exec(ctx.id, ['test', '-s', '/dev/shm/ballast'])).exitCode, 'the memory the pre-dump saved is there').toBe(0);
  });

  requirement('cli.restore.new-id', 'a checkpoint restores under a new container id, the old one gone', async (ctx) => {
    await requireMemoryCheckpoint(ctx);
    const bundleDir = await runningWith(ctx, 'echo here > /tmp/mark; exec sleep 600', ['test', '-f', '/tmp/mark']);
    const paths = { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') };
    await ctx.runtime.checkpoint(ctx.id, paths);
    if (await exists(ctx, ctx.id)) await ctx.runtime.delete(ctx.id, { force: true });
    const other = ctx.newId();
    await ctx.runtime.restore(other, { ...paths, bundle: bundleDir, detach: true, stdio: QUIET });
    expect(await ctx.runtime.status(other), 'the container under its new id').toBe('running');
    expect((await ctx.runtime.exec(other, ['cat', '/tmp/mark'])).stdout).toBe('here\n');
    await refusal(ctx.runtime.state(ctx.id));
  });
});

/** Bytes of memory pages a CRIU image holds (its pages-*.img files). */
async function pagesBytes(image: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(image)) if (/^pages-\d+\.img$/.test(name)) total += (await stat(join(image, name))).size;
  return total;
}

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRuntimes, skipOverBridge, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { commandPath } from '../../src/runtime/process-runner.js';
import { waitFor } from '../../src/util/wait.js';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import { MiB } from '../resources/cgroup-reading.js';
import {
  LEAVE_RUNNING_LIMIT, QUIET, bundleWith, exists, memoryCgroupOf, memoryLimitOf, onlyWith, paths, requireMemoryCheckpoint, runningUnderMemoryLimit, runningWith, startReady, targetTools,
} from './containers.js';

/**
 * Checkpoint options for what a container shares with the world outside it: a unix socket whose
 * peer is in another container (--ext-unix-sk), a terminal that is not the container's (a
 * shell job, --shell-job), its network namespace (--empty-ns network) and its cgroups
 * (--manage-cgroups-mode). Each test has a control that differs: a checkpoint refused without
 * the option, or after the restore what the option changes, so a runtime that drops the option
 * fails it.
 */

/**
 * A terminal of the target, as a shell has one: util-linux's `script` holds its master and runs
 * a sleeper in a session of its own, the terminal its controlling one. Prints the holder's pid,
 * the sleeper's and the terminal's path.
 */
const TERMINAL = `
setsid script -qfc 'exec sleep 600' /dev/null </dev/null >/dev/null 2>&1 &
holder=$!; i=0
while [ $i -lt 200 ]; do
  sleeper=$(cat /proc/$holder/task/$holder/children 2>/dev/null | tr -d ' ')
  if [ -n "$sleeper" ]; then
    tty=$(readlink /proc/$sleeper/fd/0)
    case $tty in /dev/pts/*) echo "$holder $sleeper $tty"; exit 0;; esac
  fi
  i=$((i+1)); sleep 0.05
done
kill -9 $holder; exit 1`;

/**
 * A terminal of the target's devpts, outside every container, held open until `end`. A container
 * given it as stdin is a shell job: CRIU finds the terminal on no mount of the container.
 */
async function targetTerminal(ctx: RuntimeTestContext): Promise<{ path: string; end: () => Promise<void> }> {
  if ((await commandPath(ctx.runner, 'script')) === undefined) {
    ctx.skip(`script (util-linux) is not on the ${ctx.selection.target.description}: rtconform makes a terminal outside the container with it (apt-get install -y bsdutils; the runtimes image has it)`);
  }
  const made = await ctx.runner.run('sh', ['-c', TERMINAL], { timeoutMs: 20_000 });
  const [holder, sleeper, path] = made.stdout.trim().split(' ');
  if (made.exitCode !== 0 || !path?.startsWith('/dev/pts/')) throw new Error(`script made no terminal on the ${ctx.selection.target.description}: ${made.stdout}${made.stderr}`);
  const end = async (): Promise<void> => {
    await ctx.runner.run('kill', ['-KILL', holder!, sleeper!], { timeoutMs: 10_000 });
  };
  return { path, end };
}

/** The shell job: a container whose stdin is the target's terminal (its output goes to /dev/null: a terminal is not a file to read back). */
async function shellJob(ctx: RuntimeTestContext, terminal: string): Promise<string> {
  const dir = await bundleWith(ctx, 'exec sleep 600');
  await startReady(ctx, ctx.id, dir, ['true'], { stdin: terminal });
  return dir;
}

/** Lines of the cgroup file of a process where the runtime runs. */
async function cgroupLines(ctx: RuntimeTestContext, pid: number | undefined): Promise<string> {
  return (await ctx.runner.run('cat', [`/proc/${pid}/cgroup`], { timeoutMs: 10_000 })).stdout;
}

describeRuntimes('checkpoint and restore: a peer, a terminal, the network and the cgroups outside the container', (requirement) => {
  requirement('cli.checkpoint.ext-unix-sk', 'a datagram socket connected to a peer in another container: refused without --ext-unix-sk, carrying data to that peer again after restore with it', async (ctx) => {
    await requireMemoryCheckpoint(ctx);
    skipOverBridge(ctx, 'the unix socket and the fifo the containers make');
    const tools = await targetTools(ctx, ['socat']);
    // Both containers bind the same dir at /ext. The peer receives datagrams on /ext/log and
    // appends them to /ext/received; the container under test joins the peer's network namespace
    // (CRIU finds a unix socket's peer only among the sockets of the dumped namespace) and sends
    // what is written to its fifo /tmp/in through a datagram socket connected to /ext/log.
    const ext = join(ctx.workDir, 'ext');
    await mkdir(ext);
    const shared = (c: BundleBuilder) => tools(c).mount({ destination: '/ext', type: 'bind', source: ext, options: ['bind'] });
    const peer = ctx.newId();
    await startReady(ctx, peer, await bundleWith(ctx, 'exec /usr/bin/socat -u UNIX-RECV:/ext/log OPEN:/ext/received,creat,append', shared), ['test', '-S', '/ext/log']);
    const { pid } = await ctx.runtime.state(peer);
    const script = 'mkfifo /tmp/in; exec 8<>/tmp/in; /usr/bin/socat -u FD:8 UNIX-CONNECT:/ext/log,type=2 & echo before > /tmp/in; exec /bin/sleep 600';
    const bundleDir = await runningWith(ctx, script, ['/bin/grep', '-q', 'before', '/ext/received'], (c) => shared(c).namespace('network', `/proc/${pid}/ns/net`));
    // CRIU 4 restores such a socket without the option as well: only the checkpoint tells a dropped option.
    await onlyWith(ctx, bundleDir, { extUnixSk: true });
    await ctx.runtime.exec(ctx.id, ['/bin/sh', '-c', 'echo after-restore > /tmp/in']);
    const received = await waitFor(async (seen) => {
      const text = await readFile(join(ext, 'received'), 'utf8');
      seen(text);
      return text.includes('after-restore') ? text : undefined;
    }, { timeoutMs: 10_000, who: 'runtime', description: 'the restored socket to carry a line to its peer' });
    expect(received.split('\n').filter(Boolean), 'what the peer received').toEqual(['before', 'after-restore']);
  });

  requirement('cli.checkpoint.shell-job', 'a container whose stdin is a terminal of the target (a shell job): checkpoint refused without --shell-job, done with it', async (ctx) => {
    await requireMemoryCheckpoint(ctx);
    const terminal = await targetTerminal(ctx);
    try {
      await shellJob(ctx, terminal.path);
      // CRIU: "Can't lookup mount=… for fd=0 path=/dev/pts/…": the terminal is on no mount of the container.
      await refusal(ctx.runtime.checkpoint(ctx.id, { ...paths(ctx, 'without'), leaveRunning: true, ...LEAVE_RUNNING_LIMIT }));
      expect(await ctx.runtime.status(ctx.id), 'the container after the checkpoint refused without --shell-job').toBe('running');
      await ctx.runtime.checkpoint(ctx.id, { ...paths(ctx, 'with'), shellJob: true });
    } finally {
      await terminal.end();
    }
  });

  requirement('cli.restore.shell-job', 'a shell job checkpointed with --shell-job: restore --shell-job, its stdin on the terminal, brings it back running', async (ctx) => {
    await requireMemoryCheckpoint(ctx);
    const terminal = await targetTerminal(ctx);
    try {
      const bundleDir = await shellJob(ctx, terminal.path);
      await ctx.runtime.checkpoint(ctx.id, { ...paths(ctx, 'image'), shellJob: true });
      if (await exists(ctx, ctx.id)) await ctx.runtime.delete(ctx.id, { force: true });
      const failed = await ctx.runtime.restore(ctx.id, { ...paths(ctx, 'image'), shellJob: true, bundle: bundleDir, detach: true, stdio: { ...QUIET, stdin: terminal.path } })
        .then(() => undefined, (error: unknown) => error);
      if (failed !== undefined) {
        // The adapter's error quotes CRIU's restore.log: the work dir is gone once the run ends.
        expect.fail(`restore --shell-job of the shell job failed: ${String(failed)}`);
      }
      expect(await ctx.runtime.status(ctx.id), 'the restored shell job').toBe('running');
      expect((await ctx.runtime.exec(ctx.id, ['true'])).exitCode, 'exec in the restored shell job').toBe(0);
    } finally {
      await terminal.end();
    }
  });

  requirement('cli.checkpoint.empty-ns', 'checkpoint and restore with --empty-ns network: the restored container\'s network namespace lacks the address it had added', async (ctx) => {
    await requireMemoryCheckpoint(ctx);
    const address = '10.123.0.1';
    const withNetAdmin = (c: BundleBuilder) => c.edit((config) => {
      const caps = config.process!.capabilities!;
      for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), 'CAP_NET_ADMIN'];
    });
    const hasAddress = `ip -o addr show dev lo | grep -q ' ${address}/'`;
    const bundleDir = await runningWith(ctx, `ip addr add ${address}/32 dev lo && exec sleep 600`, ['sh', '-c', hasAddress], withNetAdmin);
    await ctx.runtime.checkpoint(ctx.id, { ...paths(ctx, 'image'), emptyNs: ['network'] });
    if (await exists(ctx, ctx.id)) await ctx.runtime.delete(ctx.id, { force: true });
    await ctx.runtime.restore(ctx.id, { ...paths(ctx, 'image'), emptyNs: ['network'], bundle: bundleDir, detach: true, stdio: QUIET });
    expect(await ctx.runtime.status(ctx.id), 'the restored container').toBe('running');
    const addresses = (await ctx.runtime.exec(ctx.id, ['ip', '-o', 'addr', 'show', 'dev', 'lo'])).stdout;
    // Without --empty-ns CRIU restores the namespace's addresses (crun does so); runc empties the network namespace always.
    expect(addresses, `lo's addresses after the restore (the container had added ${address} before the checkpoint)`).not.toContain(` ${address}/`);
  });

  requirement('cli.restore.manage-cgroups-mode', '--manage-cgroups-mode full restores the cgroup limit saved at checkpoint; ignore leaves a sub-cgroup of the container unmade', async (ctx) => {
    // full: config.json says 64 MiB, update raises the limit to 96 MiB before the checkpoint. With
    // the default (soft) the restored container gets config.json's limit (cli.restore.resources);
    // with full, CRIU writes the saved one over it.
    const bundleDir = await runningUnderMemoryLimit(ctx);
    await ctx.runtime.update(ctx.id, { memory: { limit: 96 * MiB } });
    expect(await memoryLimitOf(ctx), 'the memory limit after update, before the checkpoint').toBe(String(96 * MiB));
    await ctx.runtime.checkpoint(ctx.id, { ...paths(ctx, 'full'), manageCgroupsMode: 'full' });
    if (await exists(ctx, ctx.id)) await ctx.runtime.delete(ctx.id, { force: true });
    await ctx.runtime.restore(ctx.id, { ...paths(ctx, 'full'), manageCgroupsMode: 'full', bundle: bundleDir, detach: true, stdio: QUIET });
    expect(await memoryLimitOf(ctx), `with full, the memory limit of the restored container: the ${96 * MiB} saved at checkpoint, not config.json's ${64 * MiB}`).toBe(String(96 * MiB));
    await ctx.runtime.delete(ctx.id, { force: true });

    // ignore: a child of the init is moved into a sub-cgroup of the container's. With the
    // default CRIU makes the sub-cgroup again and puts the child back in it; with ignore it
    // saves and restores no cgroup, so the child stays where the runtime puts the container.
    const id = ctx.newId();
    const dir = await bundleWith(ctx, 'sleep 600 & exec sleep 601');
    await startReady(ctx, id, dir, ['true']);
    const init = (await ctx.runtime.state(id)).pid!;
    const child = await waitFor(async () => (await ctx.runner.run('cat', [`/proc/${init}/task/${init}/children`], { timeoutMs: 10_000 })).stdout.trim() || undefined, {
      timeoutMs: 10_000, who: 'runtime', description: 'the init\'s child',
    });
    const { dir: cgroup } = await memoryCgroupOf(ctx, init);
    const moved = await ctx.runner.run('sh', ['-c', 'mkdir "$1/sub" && echo "$2" > "$1/sub/cgroup.procs"', 'move', cgroup, child], { timeoutMs: 10_000 });
    expect(moved.exitCode, `moving the child into ${cgroup}/sub: ${moved.stderr}`).toBe(0);
    expect(await cgroupLines(ctx, Number(child)), 'the child\'s cgroups before the checkpoint').toContain('/sub\n');
    await ctx.runtime.checkpoint(id, { ...paths(ctx, 'ignore'), manageCgroupsMode: 'ignore' });
    if (await exists(ctx, id)) await ctx.runtime.delete(id, { force: true });
    await ctx.runtime.restore(id, { ...paths(ctx, 'ignore'), manageCgroupsMode: 'ignore', bundle: dir, detach: true, stdio: QUIET });
    const restored = (await ctx.runtime.state(id)).pid!;
    const restoredChild = (await ctx.runner.run('cat', [`/proc/${restored}/task/${restored}/children`], { timeoutMs: 10_000 })).stdout.trim();
    const [initCgroups, childCgroups] = [await cgroupLines(ctx, restored), await cgroupLines(ctx, Number(restoredChild))];
    expect(childCgroups, 'with ignore, the restored child\'s cgroups: those of the restored init, no sub-cgroup').toBe(initCgroups);
  });
});

import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { CheckpointStore } from '../../src/runtime/checkpoint-store.js';
import { LEAVE_RUNNING_LIMIT, QUIET, exists, startReady } from './containers.js';
import { requireCriu } from './criu.js';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import { waitFor } from '../../src/util/wait.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { shellOnTarget } from '../../src/fixtures/shell-on-target.js';
import { commandPath } from '../../src/runtime/process-runner.js';
import { reopenRuntime } from '../../src/fixtures/reopen-runtime.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';

/**
 * Counts in memory and shows the count in a file: a restarted process would count from 1 again.
 * Written beside and renamed into place, so a read never meets the file truncated and empty
 * (a dump can fall between the truncate and the write, too).
 */
const COUNTER = 'i=0; while :; do i=$((i+1)); echo $i > /tmp/counter.new; mv /tmp/counter.new /tmp/counter; sleep 0.05; done';


/**
 * A started container whose init runs `script`; where CRIU dumps it, returned once that init
 * (pid 1 of its namespace) is the program `comm`. `start` may return while the runtime's own
 * code is still the container's init: crun runs it from a detached bind mount of its binary,
 * which CRIU cannot dump ("Can't lookup mount=63 for fd=-3 path=/"), and a checkpoint right
 * after start failed so about one full self-test in ten (crun 1.21 and 1.28).
 */
async function runningContainer(ctx: RuntimeTestContext, script = 'exec sleep 600', comm = 'sleep'): Promise<{ id: string; bundleDir: string }> {
  const b = await ctx.bundle((c) => c.shell(script));
  if (ctx.selection.profile.usesCriu) {
    await startReady(ctx, ctx.id, b.dir, ['sh', '-c', `read -r comm </proc/1/comm && [ "$comm" = ${comm} ]`]);
  } else {
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: QUIET });
    await ctx.runtime.start(ctx.id);
  }
  return { id: ctx.id, bundleDir: b.dir };
}

async function counterValue(ctx: RuntimeTestContext, id: string): Promise<number | undefined> {
  const result = await ctx.runtime.exec(id, ['cat', '/tmp/counter']).catch(() => undefined);
  const value = Number.parseInt(result?.stdout ?? '', 10);
  return Number.isInteger(value) ? value : undefined;
}

describeRuntimes('checkpoint and restore', (requirement) => {
  requirement('cli.checkpoint.stops', 'checkpoint without --leave-running stops the container', async (ctx) => {
    await requireCriu(ctx);
    const { id } = await runningContainer(ctx);
    await ctx.runtime.checkpoint(id, { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') });
    // runc and crun remove a checkpointed container; a runtime that keeps it must show it stopped.
    const status = await ctx.runtime.status(id).catch(() => 'gone');
    expect(['gone', 'stopped']).toContain(status);
  });

  requirement('cli.checkpoint.criu-from-path', 'checkpoint runs the criu first on the PATH the runtime was started with: the way to a CRIU of one\'s own', async (ctx) => {
    skipIfLimited(ctx, 'noMemoryCheckpoint');
    if (!ctx.runtime.profile.usesCriu) return ctx.skip(`${ctx.runtime.name} saves a container without CRIU`);
    await requireCriu(ctx);
    const criu = await commandPath(ctx.runner, 'criu');
    if (criu === undefined) return ctx.skip(`no criu on the PATH of the ${ctx.selection.target.description}`);
    // A criu of the test's own, first on PATH: it notes each call, then is the real one.
    const bin = join(ctx.workDir, 'own-criu');
    const calls = join(ctx.workDir, 'own-criu-calls');
    await mkdir(bin, { recursive: true });
    await writeFile(calls, '');
    await writeFile(join(bin, 'criu'), `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${criu}' "$@"\n`, { mode: 0o755 });
    const runtime = reopenRuntime(ctx, 'own-criu-runtime', { env: { PATH: `${bin}:${await shellOnTarget(ctx, 'printf %s "$PATH"')}` } });
    const { id } = await runningContainer(ctx);
    // Without the entry nothing calls this criu (it is on no other PATH): its log starts empty.
    await runtime.checkpoint(id, { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') });
    const called = (await readFile(calls, 'utf8')).trim();
    expect(called, `the calls of ${join(bin, 'criu')}, first on the runtime's PATH`).not.toBe('');
  });

  requirement('cli.checkpoint.leave-running', 'checkpoint --leave-running leaves the container running', async (ctx) => {
    await requireCriu(ctx);
    const { id } = await runningContainer(ctx);
    await ctx.runtime.checkpoint(id, { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work'), leaveRunning: true, ...LEAVE_RUNNING_LIMIT });
    expect(await ctx.runtime.status(id)).toBe('running');
    expect((await ctx.runtime.exec(id, ['true'])).exitCode).toBe(0);
  });

  requirement('cli.restore.running', 'restore --detach brings a checkpointed container back, running', async (ctx) => {
    await requireCriu(ctx);
    const { id, bundleDir } = await runningContainer(ctx);
    const paths = { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') };
    await ctx.runtime.checkpoint(id, paths);
    if (await exists(ctx, id)) await ctx.runtime.delete(id, { force: true });
    await ctx.runtime.restore(id, { ...paths, bundle: bundleDir, detach: true, stdio: QUIET });
    expect(await ctx.runtime.status(id)).toBe('running');
  });

  requirement('cli.restore.continues', 'the restored process continues where it was: its counter does not start again', async (ctx) => {
    skipIfLimited(ctx, 'noMemoryCheckpoint');
    await requireCriu(ctx);
    const { id, bundleDir } = await runningContainer(ctx, COUNTER, 'sh');
    // Far enough along that a restart (counting from 1) cannot be mistaken for a continuation.
    await waitFor(async (seen) => {
      const value = await counterValue(ctx, id);
      seen(value);
      return value !== undefined && value >= 20 ? value : undefined;
    }, { timeoutMs: 20_000, who: 'runtime', description: 'the counter to reach 20' });
    const paths = { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') };
    await ctx.runtime.checkpoint(id, paths);
    if (await exists(ctx, id)) await ctx.runtime.delete(id, { force: true });
    await ctx.runtime.restore(id, { ...paths, bundle: bundleDir, detach: true, stdio: QUIET });
    const atCheckpoint = await counterValue(ctx, id);
    expect(atCheckpoint, 'the counter read right after restore').toBeGreaterThanOrEqual(20);
    // The file keeps the last value written before the dump until the process writes again.
    const next = await waitFor(async (seen) => {
      const value = await counterValue(ctx, id);
      seen(value);
      return value !== undefined && value !== atCheckpoint ? value : undefined;
    }, { timeoutMs: 10_000, who: 'runtime', description: 'the restored process to write its counter' });
    expect(next).toBeGreaterThan(atCheckpoint!);
  });

  requirement('cli.checkpoint.not-running', 'checkpoint of a stopped container is an error and leaves it stopped', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('true'));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: QUIET });
    await ctx.runtime.start(ctx.id);
    await waitForStatus(ctx.runtime, ctx.id, 'stopped');
    await refusal(ctx.runtime.checkpoint(ctx.id, { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') }));
    expect(await ctx.runtime.status(ctx.id)).toBe('stopped');
  });

  requirement('cli.checkpoint.unknown-id', 'checkpoint of a container that does not exist is an error', async (ctx) => {
    await refusal(ctx.runtime.checkpoint(ctx.id, { imagePath: join(ctx.workDir, 'image'), workPath: join(ctx.workDir, 'work') }));
  });

  requirement('cli.checkpoint.image-path', 'named checkpoints: each image is listed, restorable from its path, and deleted', async (ctx) => {
    await requireCriu(ctx);
    const { id, bundleDir } = await runningContainer(ctx);
    const store = new CheckpointStore(join(ctx.workDir, 'checkpoints'));
    await store.create(ctx.runtime, id, 'first', { leaveRunning: true, ...LEAVE_RUNNING_LIMIT });
    await store.create(ctx.runtime, id, 'second', { leaveRunning: true, ...LEAVE_RUNNING_LIMIT });
    expect((await store.list()).checkpoints.map((c) => c.name)).toEqual(['first', 'second']);
    await store.delete('first');
    expect((await store.list()).checkpoints.map((c) => c.name)).toEqual(['second']);
    await ctx.runtime.delete(id, { force: true });
    await ctx.runtime.restore(id, { imagePath: store.imagePath('second'), workPath: join(ctx.workDir, 'restore-work'), bundle: bundleDir, detach: true, stdio: QUIET });
    expect(await ctx.runtime.status(id)).toBe('running');
  });
});

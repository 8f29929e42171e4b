import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { probeCriu, type CriuProbe } from '../../src/runtime/criu-probe.js';
import { waitFor } from '../../src/util/wait.js';

/**
 * Checkpoint options beyond a plain dump and restore, as containerd and cri-o use them: an
 * incremental dump (pre-dump, then a dump on top of it), and a restore under a new id.
 */

/** CRIU cannot dump a descriptor of a file outside the container's mounts, so these containers get /dev/null. */
const QUIET = { stdin: '/dev/null', stdout: '/dev/null', stderr: '/dev/null' };

const probes = new Map<string, Promise<CriuProbe>>();

async function requireCriu(ctx: RuntimeTestContext): Promise<void> {
  skipIfLimited(ctx, 'noMemoryCheckpoint');
  if (!ctx.runtime.profile.usesCriu) return;
  let probe = probes.get(ctx.selection.key);
  if (!probe) {
    probe = probeCriu(ctx.runner, join(ctx.workDir, 'criu-probe'));
    probes.set(ctx.selection.key, probe);
  }
  const result = await probe;
  if (!result.usable) ctx.skip(`CRIU not usable: ${result.reason}`);
}

/** A running container whose init runs `script`; returns once `ready` (a command in it) succeeds. */
async function runningWith(ctx: RuntimeTestContext, script: string, ready: string[]): Promise<string> {
  const b = await ctx.bundle((c) => c.shell(script));
  await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: QUIET });
  await ctx.runtime.start(ctx.id);
  await waitFor(async () => ((await ctx.runtime.exec(ctx.id, ready)).exitCode === 0 ? true : undefined), {
    timeoutMs: 10_000, intervalMs: 50, description: `the container to be ready (${ready.join(' ')})`,
  });
  return b.dir;
}

describeRuntimes('checkpoint and restore: incremental dumps and new ids', (requirement) => {
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

/** Bytes of memory pages a CRIU image holds (its pages-*.img files). */
async function pagesBytes(image: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(image)) if (/^pages-\d+\.img$/.test(name)) total += (await stat(join(image, name))).size;
  return total;
}

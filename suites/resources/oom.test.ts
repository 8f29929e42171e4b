import { expect } from 'vitest';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import type { RuntimeEvent } from '../../src/runtime/schemas.js';
import type { LinuxResources } from '../../src/spec/config.js';
import { eventuallyContains } from '../../src/util/eventually.js';
import { MEMORY_LIMIT, MEMORY_SWAP, MiB, fileIn, readCgroups } from './cgroup-reading.js';
import { ControlError, expectControlsDiffer } from '../control.js';
import type { ExitStatus } from '../../src/runtime/monitor.js';

/**
 * A container that allocates past its memory limit: the kernel's OOM killer ends the process,
 * and the runtime tells those who ask (events, stats, the monitor). `dd` with a 64 MiB block
 * allocates and fills that block at once, four times the 16 MiB limit.
 */
const LIMIT = 16 * MiB;
const ALLOCATE = 'dd if=/dev/zero of=/dev/null bs=64M count=1';

/**
 * The limit, with swap held to it where the kernel accounts swap (else the allocation could go
 * to swap instead); skips, with the reason, where memory cannot be limited or swap not held.
 */
async function memoryLimit(ctx: RuntimeTestContext, holdSwap = true): Promise<LinuxResources> {
  skipIfLimited(ctx, 'noCgroups');
  const view = await readCgroups(ctx);
  fileIn(ctx, view, MEMORY_LIMIT);
  if (!holdSwap) return { memory: { limit: LIMIT } };
  const swapKey = view.version === 2 ? MEMORY_SWAP.v2 : `memory/${MEMORY_SWAP.v1}`;
  if (view.files[swapKey] !== undefined) return { memory: { limit: LIMIT, swap: LIMIT } };
  const swaps = await ctx.runner.run('cat', ['/proc/swaps'], { timeoutMs: 10_000 });
  if (swaps.stdout.trim().split('\n').length > 1) ctx.skip(`swap is on where the runtime runs and ${swapKey} is absent (swap accounting off): the allocation could be swapped instead of refused`);
  return { memory: { limit: LIMIT } };
}

/**
 * The control of every test here: the same allocation in a container without a memory limit
 * ends by itself (0), so what the tests see is the limit's doing. One run per runtime and test
 * file (like readCgroups); checked after each test's own assertions.
 */
const unlimited = new Map<string, Promise<string>>();
async function expectAllocationEndsWithoutLimit(ctx: RuntimeTestContext): Promise<void> {
  let ended = unlimited.get(ctx.selection.key);
  if (!ended) {
    ended = (async () => {
      const b = await ctx.bundle((c) => c.shell(`${ALLOCATE}; echo "allocation ended: $?"`));
      await ctx.runtime.run(ctx.newId(), { bundle: b.dir, stdio: b.stdio, timeoutMs: 30_000 });
      return /allocation ended: (\d+)/.exec(await b.output())?.[1] ?? `nothing (output: ${await b.output()})`;
    })();
    // A failed run is not remembered: the next test tries again and fails with its own error.
    void ended.catch(() => unlimited.delete(ctx.selection.key));
    unlimited.set(ctx.selection.key, ended);
  }
  const status = await ended;
  if (status !== '0') throw new ControlError(`${ALLOCATE} in a container without a memory limit ended with ${status}, not 0: what the test saw may not be the limit's doing`);
}

describeRuntimes('resources: a container past its memory limit', (requirement) => {
  requirement('linux.resources.memory-limit-enforced', 'a process that allocates 64 MiB under a 16 MiB limit is killed, and its container goes on', async (ctx) => {
    const resources = await memoryLimit(ctx);
    const b = await ctx.bundle((c) => c.resources(resources).shell(`${ALLOCATE}; echo "allocation ended: $?"; exec sleep 600`));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    await ctx.runtime.start(ctx.id);
    // 137: killed by SIGKILL, the OOM killer's signal; 0 would be the allocation succeeding.
    await eventuallyContains(b.output, 'allocation ended: 137');
    expect((await ctx.runtime.state(ctx.id)).status).toBe('running');
    await expectAllocationEndsWithoutLimit(ctx);
  });

  requirement('cli.events.oom', 'events reports an oom event when a process of the container is OOM-killed', async (ctx) => {
    const resources = await memoryLimit(ctx);
    // The allocation waits for the events stream to be there.
    const b = await ctx.bundle((c) => c.resources(resources).shell(`sleep 2; ${ALLOCATE}; echo "allocation ended: $?"; exec sleep 600`));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    await ctx.runtime.start(ctx.id);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 15_000);
    const seen: RuntimeEvent[] = [];
    try {
      for await (const event of ctx.runtime.events(ctx.id, { intervalMs: 1000, signal: abort.signal })) {
        seen.push(event);
        if (event.type === 'oom') break;
      }
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    expect(seen.map((e) => e.type), 'event types within 15 s of start').toContain('oom');
    await eventuallyContains(b.output, 'allocation ended: 137');
    await expectAllocationEndsWithoutLimit(ctx);
  });

  requirement('cli.events.memory-failcnt', 'events --stats counts the hits of the memory limit once a process hit it', async (ctx) => {
    // The memory limit alone: the allocation hits it whether it is then killed or swapped.
    const resources = await memoryLimit(ctx, false);
    const b = await ctx.bundle((c) => c.resources(resources).shell(`${ALLOCATE}; echo "allocation ended: $?"; exec sleep 600`));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    await ctx.runtime.start(ctx.id);
    await eventuallyContains(b.output, 'allocation ended: ');
    const stats = await ctx.runtime.stats(ctx.id);
    expect(stats.memory?.usage?.limit, 'memory.usage.limit').toBe(LIMIT);
    expect(stats.memory?.usage?.failcnt, 'memory.usage.failcnt once 64 MiB were asked for under 16').toBeGreaterThan(0);
    await expectAllocationEndsWithoutLimit(ctx);
  });

  requirement('cli.create.monitor-signal', 'the monitor sees a process the OOM killer ended as killed by SIGKILL', async (ctx) => {
    const resources = await memoryLimit(ctx);
    const monitored = await ctx.monitored();
    const b = await ctx.bundle((c) => c.resources(resources).shell(`exec ${ALLOCATE}`));
    await monitored.create(ctx.id, { bundle: b.dir });
    await monitored.start(ctx.id);
    expect(await monitored.wait(ctx.id, { timeoutMs: 15_000 })).toMatchObject({ exitCode: 128 + 9, signal: 'SIGKILL' });
    await expectAllocationEndsWithoutLimit(ctx);
  });

  requirement('cli.create.monitor-oom', 'the monitor sees the OOM killer end the process; one killed by SIGKILL under the same limit is not taken for one', async (ctx) => {
    const resources = await memoryLimit(ctx);
    const monitored = await ctx.monitored();
    const started = async (id: string, script: string): Promise<void> => {
      const b = await ctx.bundle((c) => c.resources(resources).shell(script));
      await monitored.create(id, { bundle: b.dir });
      await monitored.start(id);
    };
    await started(ctx.id, `exec ${ALLOCATE}`);
    const oom = await monitored.wait(ctx.id, { timeoutMs: 15_000 });
    // The control: the same end (SIGKILL, 137) without the OOM killer, under the same limit, so
    // only the cgroup's report of the kill tells them apart. SIGKILL from outside: the process
    // is its pid namespace's init, which ignores a signal sent from inside.
    const id = ctx.newId();
    await started(id, 'exec sleep 600');
    await monitored.kill(id, 'KILL');
    const control: ExitStatus = await monitored.wait(id, { timeoutMs: 15_000 });
    expect(control, 'a process killed by SIGKILL under the same limit').toMatchObject({ exitCode: 128 + 9, signal: 'SIGKILL' });
    expectControlsDiffer('the monitor\'s oomKilled of a process killed by SIGKILL', { oomKilled: true }, { oomKilled: control.oomKilled });
    expect(oom, `${ALLOCATE} under a 16 MiB limit`).toMatchObject({ exitCode: 128 + 9, signal: 'SIGKILL', oomKilled: true });
    await expectAllocationEndsWithoutLimit(ctx);
  });
});

import { expect } from 'vitest';
import { describeRuntimes, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { EventSchema, StatsSchema, type RuntimeEvent } from '../../src/runtime/schemas.js';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import { waitFor } from '../../src/util/wait.js';
import { sameSet } from '../../src/util/same-set.js';
import { refusal } from '../../src/fixtures/refusal.js';

/** Keeps one CPU busy without forking, so every cycle is the container's own. */
const BUSY_LOOP = 'while :; do :; done';
/** A fixed set of single-threaded processes: init and two children, all asleep. */
const THREE_SLEEPERS = 'sleep 600 & sleep 601 & exec sleep 602';
/**
 * 100 ms of CPU time: a busy loop accrues it within a fraction of a second, an idle container
 * not in minutes, so growth by this much means the load was seen.
 */
const CPU_GROWTH_NS = 100_000_000;
/** runc prints its first record one interval after it starts, so two need a bit over 2 s. */
const STREAM_TIMEOUT_MS = 15_000;

async function startContainer(ctx: RuntimeTestContext, script: string): Promise<void> {
  const b = await ctx.bundle((c) => c.shell(script));
  await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
  await ctx.runtime.start(ctx.id);
}

/** A field the runtime leaves out cannot be judged, so the test skips and names the field. */
function provided<T>(ctx: RuntimeTestContext, value: T | undefined, what: string): T {
  return value ?? ctx.skip(`${ctx.runtime.name} reports no ${what} in events --stats`);
}

/**
 * What `events --stats` prints, read past the adapter: `runtime.stats()` returns only the
 * record's data, and this requirement is about the record itself (its type and id). It runs
 * through the test's runner, so where the runtime runs (host or target container).
 */
async function eventsStatsStdout(ctx: RuntimeTestContext): Promise<string> {
  const root = ctx.selection.root ? ['--root', ctx.selection.root] : [];
  const argv = [...ctx.runtime.profile.globalArgs, ...root, 'events', '--stats', ctx.id];
  const result = await ctx.runner.run(ctx.runtime.binary, argv, { timeoutMs: ctx.run.plan.callTimeoutMs });
  expect(result.exitCode, `${ctx.runtime.binary} ${argv.join(' ')} failed: ${result.stderr}`).toBe(0);
  return result.stdout;
}

describeRuntimes('stats: events --stats and events --interval', (requirement) => {
  requirement('cli.events.stats-json', 'events --stats prints one stats record of the container', async (ctx) => {
    await startContainer(ctx, 'exec sleep 600');
    // The adapter's own parse first: it also turns a runtime without events into a skip.
    await ctx.runtime.stats(ctx.id);
    const records = (await eventsStatsStdout(ctx)).split('\n').filter((line) => line.trim() !== '');
    expect(records).toHaveLength(1);
    const event = EventSchema.parse(JSON.parse(records[0]!));
    expect(event).toMatchObject({ type: 'stats', id: ctx.id });
    // The record is of this container: it runs one process (`exec sleep`). A runtime may leave
    // pids out (the schema allows it); one that reports them must count this container's.
    const pids = StatsSchema.parse(event.data).pids?.current;
    if (pids !== undefined) expect(pids, 'pids.current in the record of a container running one process').toBe(1);
  });

  requirement('cli.events.cpu-grows', 'cpu.usage.total grows while the container burns CPU', async (ctx) => {
    await startContainer(ctx, BUSY_LOOP);
    const since = Date.now();
    const before = provided(ctx, (await ctx.runtime.stats(ctx.id)).cpu?.usage?.total, 'cpu usage (cpu.usage.total)');
    const after = await waitFor(async (seen) => {
      const total = (await ctx.runtime.stats(ctx.id)).cpu?.usage?.total;
      seen(total);
      return total !== undefined && total - before >= CPU_GROWTH_NS ? total : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50, maxIntervalMs: 500, who: 'runtime', description: `cpu.usage.total to grow by ${CPU_GROWTH_NS} ns from ${before}` });
    // In nanoseconds, as the record says: the container cannot have used more CPU time than all
    // the CPUs where it runs had since (a runtime reporting microseconds never gets here, one
    // reporting picoseconds or the machine's usage goes past it). Not one CPU's worth: runsc
    // counts its sandbox's own threads, 160 ms in 150 for a one-process loop.
    const wallNs = (Date.now() - since) * 1e6;
    const cpus = Number((await ctx.runner.run('nproc', [], { timeoutMs: 10_000 })).stdout.trim());
    expect(cpus, 'nproc where the runtime runs').toBeGreaterThan(0);
    expect(after - before, `cpu.usage.total growth, against the ${wallNs / 1e6} ms that passed on ${cpus} CPUs`).toBeLessThanOrEqual(wallNs * cpus);
  });

  requirement('cli.events.memory', 'memory.usage.usage is above zero for a running container', async (ctx) => {
    await startContainer(ctx, 'exec sleep 600');
    const usage = provided(ctx, (await ctx.runtime.stats(ctx.id)).memory?.usage?.usage, 'memory usage (memory.usage.usage)');
    expect(usage).toBeGreaterThan(0);
  });

  requirement('cli.events.pids-match-ps', 'pids.current equals the number of pids ps lists', async (ctx) => {
    await startContainer(ctx, THREE_SLEEPERS);
    // The sleepers appear one by one after start; a count is only comparable once ps, asked
    // before and after stats, lists the same complete set.
    const { listed, current } = await waitFor(async (seen) => {
      const first = await ctx.runtime.ps(ctx.id);
      const stats = await ctx.runtime.stats(ctx.id);
      const second = await ctx.runtime.ps(ctx.id);
      seen({ first, pidsCurrent: stats.pids?.current, second });
      return first.length >= 3 && sameSet(first, second) ? { listed: first, current: stats.pids?.current } : undefined;
    }, { timeoutMs: 10_000, who: 'runtime', description: 'ps to list the three sleepers, unchanged across a stats call' });
    expect(provided(ctx, current, 'pid count (pids.current)')).toBe(listed.length);
  });

  requirement('cli.events.stream', 'events --interval 1s prints stats records until it is stopped', async (ctx) => {
    await startContainer(ctx, 'exec sleep 600');
    const stop = new AbortController();
    const deadline = AbortSignal.timeout(STREAM_TIMEOUT_MS);
    const records: RuntimeEvent[] = [];
    try {
      for await (const event of ctx.runtime.events(ctx.id, { intervalMs: 1000, signal: AbortSignal.any([stop.signal, deadline, ctx.signal]) })) {
        if (stop.signal.aborted) continue;
        // Other event types (oom) may come between the stats records.
        if (event.type !== 'stats') continue;
        records.push(event);
        if (records.length === 2) stop.abort();
      }
    } catch (error) {
      // Aborting may end the stream with the cancellation error rather than a clean end.
      if (!stop.signal.aborted && !deadline.aborted) throw error;
    }
    expect(records, `stats records within ${STREAM_TIMEOUT_MS} ms`).toHaveLength(2);
    for (const record of records) {
      expect(record.id).toBe(ctx.id);
      const data = StatsSchema.safeParse(record.data);
      expect(data.success, data.error?.message).toBe(true);
    }
  });

  requirement('cli.events.stopped', 'events --stats of a stopped container fails', async (ctx) => {
    await startContainer(ctx, 'exit 0');
    await waitForStatus(ctx.runtime, ctx.id, 'stopped');
    await refusal(ctx.runtime.stats(ctx.id));
  });

  requirement('cli.events.unknown-id', 'events --stats of an unknown container fails', async (ctx) => {
    await refusal(ctx.runtime.stats(ctx.id));
  });
});

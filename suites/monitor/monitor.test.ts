import { expect } from 'vitest';
import { describeRuntimes, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { refusal } from '../../src/fixtures/refusal.js';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import type { MonitoredRuntime } from '../../src/runtime/runtime.js';

/**
 * What a runtime owes the monitor that creates its containers, as cri-o's conmon and
 * containerd's shim do: once `create` returns, the container's process is the monitor's child
 * (it called create as a subreaper), so the monitor sees how it ended, and holds its output.
 * Only a monitor can see these; each test creates its containers under conmon.
 */

/** A container created and started under the monitor, from a bundle without stdio files (the monitor holds them). */
async function startMonitored(ctx: RuntimeTestContext, id: string, configure: (c: BundleBuilder) => BundleBuilder): Promise<MonitoredRuntime> {
  const monitored = await ctx.monitored();
  const bundle = await ctx.bundle(configure);
  await monitored.create(id, { bundle: bundle.dir });
  await monitored.start(id);
  return monitored;
}

describeRuntimes('monitor: exit status and output of a detached container', (requirement) => {
  requirement('cli.create.monitor-exit-code', 'the monitor sees the exit code the process returned: 0, 7 and 255', async (ctx) => {
    for (const code of [0, 7, 255]) {
      const id = ctx.newId();
      const monitored = await startMonitored(ctx, id, (c) => c.shell(`exit ${code}`));
      const ended = await monitored.wait(id, { timeoutMs: 10_000 });
      expect(ended, `exit ${code}`).toMatchObject({ exitCode: code, signal: undefined });
    }
  });

  requirement('cli.create.monitor-signal', 'the monitor sees a process killed by SIGKILL as killed by SIGKILL', async (ctx) => {
    const monitored = await startMonitored(ctx, ctx.id, (c) => c.args('sleep', '600'));
    const before = Date.now();
    await monitored.kill(ctx.id, 'KILL');
    const ended = await monitored.wait(ctx.id, { timeoutMs: 10_000 });
    expect(ended).toMatchObject({ exitCode: 128 + 9, signal: 'SIGKILL' });
    // Its time is the exit's: after the kill, not before (1 s of slack for the file's clock).
    expect(ended.finishedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  requirement('state.stopped-after-exit', 'state says stopped as soon as the monitor has seen the process exit, without polling', async (ctx) => {
    const monitored = await startMonitored(ctx, ctx.id, (c) => c.shell('exit 3'));
    await monitored.wait(ctx.id, { timeoutMs: 10_000 });
    expect((await monitored.state(ctx.id)).status).toBe('stopped');
  });

  requirement('kill.not-alive', 'kill of a container whose process the monitor saw exit is an error', async (ctx) => {
    const monitored = await startMonitored(ctx, ctx.id, (c) => c.shell('exit 0'));
    await monitored.wait(ctx.id, { timeoutMs: 10_000 });
    await refusal(monitored.kill(ctx.id, 'KILL'));
    expect((await monitored.state(ctx.id)).status).toBe('stopped');
  });

  requirement('cli.create.monitor-stdio', 'the monitor gets each line of the process\'s stdout and stderr, on its own stream, in order', async (ctx) => {
    const monitored = await startMonitored(ctx, ctx.id, (c) => c.shell('echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2'));
    await monitored.wait(ctx.id, { timeoutMs: 10_000 });
    const lines = await monitored.logs(ctx.id);
    const on = (stream: string) => lines.filter((l) => l.stream === stream).map((l) => l.text);
    expect(on('stdout')).toEqual(['out-1', 'out-2']);
    expect(on('stderr')).toEqual(['err-1', 'err-2']);
  });
});

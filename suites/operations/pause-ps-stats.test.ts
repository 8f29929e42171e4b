import { expect } from 'vitest';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import { describeRuntimes, skipIfLimited } from '../../src/fixtures/test-context.js';
import { listed } from '../../src/fixtures/list.js';
import { eventuallyContains } from '../../src/util/eventually.js';
import { changesWithin } from '../../src/util/observe.js';
import { waitFor } from '../../src/util/wait.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { skipWhereControlsSame } from '../control.js';

/** Prints a growing counter, so a frozen container is one whose output stops growing. */
const TICKER = 'i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.02; done';

describeRuntimes('operations: pause, resume, ps, list, run, features', (requirement) => {
  requirement('cli.pause.freezes', 'pause freezes the container and status becomes paused', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell(TICKER));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await eventuallyContains(b.output, 'tick-2');
    await runtime.pause(id);
    expect((await runtime.state(id)).status).toBe('paused');
    expect(await changesWithin(b.output, 300)).toBe(false);
  });

  requirement('cli.resume.thaws', 'resume lets a paused container run again', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell(TICKER));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await eventuallyContains(b.output, 'tick-2');
    await runtime.pause(id);
    const frozen = await b.output();
    await runtime.resume(id);
    expect((await runtime.state(id)).status).toBe('running');
    await waitFor(async () => ((await b.output()).length > frozen.length ? true : undefined), { timeoutMs: 10_000, who: 'runtime', description: 'output to grow after resume' });
  });

  requirement('cli.pause.stopped', 'pause of a stopped container fails', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('true'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await waitForStatus(runtime, id, 'stopped');
    await refusal(runtime.pause(id));
    expect((await runtime.state(id)).status).toBe('stopped');
  });

  requirement('cli.ps.pids', 'ps lists the container pids, its init included', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell('sleep 600 & echo child-started; exec sleep 601'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await eventuallyContains(b.output, 'child-started');
    const { pid } = await runtime.state(id);
    const pids = await waitFor(async (seen) => {
      const found = await runtime.ps(id);
      seen(found);
      return found.length >= 2 ? found : undefined;
    }, { timeoutMs: 10_000, who: 'runtime', description: 'ps to list init and its child' });
    expect(pids).toContain(pid);
  });

  requirement('cli.list.containers', 'list shows the container with status and pid', async ({ runtime, runner, selection, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    const state = await runtime.state(id);
    expect((await listed({ runtime, runner, selection })).find((c) => c.id === id)).toMatchObject({ id, status: 'created', pid: state.pid });
  });

  requirement('cli.run.exit-code', 'run in the foreground exits with the container exit code', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell('echo ran-in-foreground; exit 3'));
    expect((await runtime.run(id, { bundle: b.dir, stdio: b.stdio })).exitCode).toBe(3);
    expect(await b.output()).toContain('ran-in-foreground');
  });

  requirement('cli.run.detach', 'run --detach returns while the container runs on, its process still running', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell('echo started; exec sleep 600'));
    // Without --detach this call would last as long as the process (600 s): its limit fails it.
    expect(await runtime.run(id, { bundle: b.dir, stdio: b.stdio, detach: true, timeoutMs: 15_000 }), 'run --detach of a 600 s process').toEqual({ exitCode: undefined });
    expect(await runtime.status(id), 'status after run --detach').toBe('running');
    await eventuallyContains(b.output, 'started');
  });

  requirement('cli.run.no-subreaper', 'run --no-subreaper: a process orphaned in a container without a pid namespace is not reparented to the runtime; without the flag it is', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // Without a pid namespace of its own, an orphan goes to the nearest subreaper among its
    // ancestors: the runtime (the shell's parent), if the runtime made itself one.
    const parents = async (id: string, noSubreaper: boolean): Promise<{ orphan: string; runtime: string }> => {
      const b = await ctx.bundle((c) => c.withoutNamespace('pid')
        .shell('(sleep 30 & echo $! > /tmp/orphan); sleep 1; o=$(cat /tmp/orphan); read -r _ _ _ pp _ < /proc/$o/stat; echo "orphan $pp runtime $PPID"; kill $o'));
      await ctx.runtime.run(id, { bundle: b.dir, stdio: b.stdio, noSubreaper, timeoutMs: 20_000 });
      const m = /orphan (\d+) runtime (\d+)/.exec(await b.output());
      return { orphan: m?.[1] ?? `nothing (output: ${await b.output()})`, runtime: m?.[2] ?? '?' };
    };
    const control = await parents(ctx.newId(), false);
    skipWhereControlsSame(ctx, 'the orphan\'s parent without --no-subreaper', { 'reparented to the runtime': false }, { 'reparented to the runtime': control.orphan === control.runtime },
      `${ctx.runtime.name} is no subreaper of its container's processes even without the flag (the orphan went to ${control.orphan}, the runtime is ${control.runtime}): --no-subreaper can change nothing here`);
    const flagged = await parents(ctx.id, true);
    expect(flagged.orphan, `the orphan's parent with --no-subreaper (the runtime: ${flagged.runtime})`).not.toBe(flagged.runtime);
  });

  requirement('features.version-range', 'features reports the spec versions it supports', async ({ runtime }) => {
    const features = await runtime.features();
    expect(features.ociVersionMin).toMatch(/^\d+\.\d+\.\d+/);
    expect(features.ociVersionMax).toMatch(/^\d+\.\d+\.\d+/);
  });
});

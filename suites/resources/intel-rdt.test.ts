import { expect } from 'vitest';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { shellOnTarget } from '../../src/fixtures/shell-on-target.js';
import { acceptedWithout } from '../control.js';

/** Where the runtime runs, the mount point of a resctrl filesystem, if one is mounted. */
async function resctrlMount(ctx: RuntimeTestContext): Promise<string | undefined> {
  return (await shellOnTarget(ctx, "awk '$3 == \"resctrl\" { print $2; exit }' /proc/mounts")) || undefined;
}

describeRuntimes('resources: Intel RDT', (requirement) => {
  requirement('linux.intel-rdt.no-resctrl', 'intelRdt while no resctrl filesystem is mounted is an error', async (ctx) => {
    skipIfLimited(ctx, 'noCgroups');
    const mounted = await resctrlMount(ctx);
    if (mounted) ctx.skip(`a resctrl filesystem is mounted at ${mounted} where ${ctx.runtime.name} runs: the case this requirement is about cannot arise`);
    const b = await ctx.bundle((c) => c.args('true').edit((config) => void (config.linux!.intelRdt = { closID: 'rtconform', l3CacheSchema: 'L3:0=1' })));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, 'intelRdt', (c) => c.args('true'));
  });

  requirement('linux.intel-rdt.untouched', 'without intelRdt the resctrl filesystem is left as it was', async (ctx) => {
    skipIfLimited(ctx, 'noCgroups');
    const mounted = await resctrlMount(ctx);
    if (!mounted) return ctx.skip(`no resctrl filesystem is mounted where ${ctx.runtime.name} runs (no Intel RDT or AMD QoS here): there is nothing it could touch`);
    const listing = (): Promise<string> => shellOnTarget(ctx, 'find "$1" -maxdepth 3 | sort', mounted);
    const before = await listing();
    const b = await ctx.bundle((c) => c.args('sleep', '600'));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    await ctx.runtime.start(ctx.id);
    expect(await listing(), `${mounted} while a container without intelRdt runs`).toBe(before);
  });
});

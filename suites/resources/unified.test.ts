import { expect } from 'vitest';
import { runProbe } from '../../src/fixtures/probe.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { readCgroups, MiB, type CgroupReading } from './cgroup-reading.js';
import { acceptedWithout, expectControlsDiffer, skipWhereControlsSame } from '../control.js';

/** A key of each controller the tests may use, with a value that file accepts. */
const CONTROLLER_KEYS: Record<string, [key: string, value: string]> = {
  pids: ['pids.max', '43'],
  memory: ['memory.high', String(96 * MiB)],
  cpu: ['cpu.weight', '43'],
  cpuset: ['cpuset.cpus', '0'],
};

function pick(files: Record<string, string>, keys: string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, files[k]]));
}

describeRuntimes('resources: linux.unified (cgroup v2 files by name)', (requirement) => {
  const v2 = async (ctx: RuntimeTestContext): Promise<CgroupReading> => {
    skipIfLimited(ctx, 'noCgroups');
    const view = await readCgroups(ctx);
    if (view.version !== 2) ctx.skip('linux.unified is for cgroup v2 only: this container sees cgroup v1 (no cgroup.controllers at the root of its cgroup mount)');
    return view;
  };

  requirement('linux.unified.values', 'each unified key is written to that file of the container\'s cgroup', async (ctx) => {
    const view = await v2(ctx);
    // cgroup.max.descendants is core cgroup2, so it needs no controller and maps to no other field.
    const unified: Record<string, string> = { 'cgroup.max.descendants': '7' };
    if (view.controllers.includes('pids')) unified['pids.max'] = '41';
    const { observation } = await runProbe(ctx, (b) => b.ownCgroupNamespace().resources({ unified }));
    expect(pick(observation.cgroupFiles, Object.keys(unified)), 'the container\'s cgroup files named by linux.unified').toEqual(unified);
    // The control: the view, the same files of a container without resources (max, both).
    expectControlsDiffer('the container\'s cgroup files without linux.unified', unified, pick(view.files, Object.keys(unified)));
  });

  requirement('linux.unified.controllers-enabled', 'the controller a unified key needs is enabled for the container\'s cgroup', async (ctx) => {
    const view = await v2(ctx);
    const controller = Object.keys(CONTROLLER_KEYS).find((c) => view.controllers.includes(c))
      ?? ctx.skip(`none of ${Object.keys(CONTROLLER_KEYS).join(', ')} is delegated to this cgroup (cgroup v2): cgroup.controllers lists ${view.controllers.join(' ') || 'no controller'}`);
    const [key, value] = CONTROLLER_KEYS[controller]!;
    const { observation } = await runProbe(ctx, (b) => b.ownCgroupNamespace().resources({ unified: { [key]: value } }));
    const enabled = (observation.cgroupFiles['cgroup.controllers'] ?? '').split(/\s+/);
    expect(enabled, `cgroup.controllers of the container's cgroup with unified ${key}=${value}`).toContain(controller);
    expect(observation.cgroupFiles[key], `${key} with unified ${key}=${value}`).toBe(value);
    // The controller is enabled without the key too (the view lists it: that is how it was
    // picked), so the key's file is what can tell the key was written.
    skipWhereControlsSame(ctx, 'the container\'s cgroup files without linux.unified', { [key]: value }, pick(view.files, [key]),
      'what the container\'s cgroup has without it on this machine');
  });

  requirement('linux.unified.missing-controller', 'a unified key for a controller that is not available is an error', async (ctx) => {
    skipIfLimited(ctx, 'noCgroups');
    const view = await readCgroups(ctx);
    // On cgroup v2 a controller not delegated here. On v1 one bound to a v1 hierarchy: a
    // controller is in one hierarchy only, so it cannot be in the unified one. Failing both, a
    // controller name no kernel has is absent too.
    const controller = Object.keys(CONTROLLER_KEYS).find((c) => view.controllers.includes(c) === (view.version === 1));
    const [key, value] = controller ? CONTROLLER_KEYS[controller]! : ['rtconform.max', '1'];
    const b = await ctx.bundle((c) => c.args('true').ownCgroupNamespace().resources({ unified: { [key]: value } }));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, `unified ${key}`, (c) => c.args('true').ownCgroupNamespace());
  });
});

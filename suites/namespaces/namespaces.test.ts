import { expect } from 'vitest';
import { runProbe } from '../../src/fixtures/probe.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { acceptedWithout, another, expectControlsDiffer, skipWhereControlsSame } from '../control.js';

/** How the probe names each config namespace type in /proc/<pid>/ns. */
const PROC_NAME = { pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', cgroup: 'cgroup' } as const;
type Kind = keyof typeof PROC_NAME;

/** The namespaces of the runtime's own host: the machine, or its target container. */
async function hostNamespaces(ctx: RuntimeTestContext): Promise<Record<string, string>> {
  const result = await ctx.runner.run('sh', ['-c', 'for n in cgroup ipc mnt net pid uts; do echo "$n $(readlink /proc/self/ns/$n)"; done'], { timeoutMs: 10_000 });
  return Object.fromEntries(result.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
}

async function sleeper(ctx: RuntimeTestContext): Promise<number> {
  const id = ctx.newId();
  const b = await ctx.bundle((c) => c.args('sleep', '600'));
  await ctx.runtime.create(id, { bundle: b.dir, stdio: b.stdio });
  const { pid } = await ctx.runtime.state(id);
  if (!pid) throw new Error(`state of created container ${id} has no pid`);
  return pid;
}

describeRuntimes('namespaces, hostname and domainname', (requirement) => {
  /** The container's namespace of `kind` against the runtime's own, with `kind` in the config or left out. */
  async function compare(ctx: RuntimeTestContext, kind: Kind, inConfig: boolean): Promise<{ container: string | undefined; host: string | undefined }> {
    skipIfLimited(ctx, 'noProcessIsolation');
    // A hostname needs a uts namespace of the container's own.
    const { observation } = await runProbe(ctx, (b) => (inConfig ? b.namespace(kind) : b.withoutNamespace(kind).edit((c) => {
      if (kind === 'uts') delete c.hostname;
    })));
    const host = await hostNamespaces(ctx);
    return { container: observation.namespaces[PROC_NAME[kind]], host: host[PROC_NAME[kind]] };
  }
  /**
   * The container's namespace of `kind` differs from the runtime's; then the control, a
   * container without `kind` in the config, must be in the runtime's (where it is not, the
   * namespace the test saw tells nothing of the entry: it skips). No control for the mount
   * namespace: without one a runtime would make the container's mounts in its own namespace,
   * where the runtime runs (runc refuses such a config; others might do it).
   */
  const isNew = async (ctx: RuntimeTestContext, kind: Kind): Promise<void> => {
    const { container, host } = await compare(ctx, kind, true);
    expect(container, `the container's ${kind} namespace`).not.toBe(host);
    if (kind === 'mount') return;
    const control = await compare(another(ctx), kind, false);
    skipWhereControlsSame(ctx, `the ${kind} namespace of a container without it in the config, against the runtime's own (${control.host})`,
      { [`${kind} namespace`]: 'not the runtime\'s' }, { [`${kind} namespace`]: control.container === control.host ? 'the runtime\'s' : 'not the runtime\'s' },
      `it reads ${control.container}, though the config has no ${kind} namespace`);
  };

  requirement('linux.namespaces.new-pid', 'a pid namespace in the config is a new one', (ctx) => isNew(ctx, 'pid'));
  requirement('linux.namespaces.new-network', 'a network namespace in the config is a new one', (ctx) => isNew(ctx, 'network'));
  requirement('linux.namespaces.new-mount', 'a mount namespace in the config is a new one', (ctx) => isNew(ctx, 'mount'));
  requirement('linux.namespaces.new-ipc', 'an ipc namespace in the config is a new one', (ctx) => isNew(ctx, 'ipc'));
  requirement('linux.namespaces.new-uts', 'a uts namespace in the config is a new one', (ctx) => isNew(ctx, 'uts'));
  requirement('linux.namespaces.new-cgroup', 'a cgroup namespace in the config is a new one', (ctx) => isNew(ctx, 'cgroup'));

  requirement('linux.namespaces.inherit', 'a namespace type left out of the config is shared with the runtime', async (ctx) => {
    for (const kind of ['ipc', 'uts'] as const) {
      const { container, host } = await compare(another(ctx), kind, false);
      expect(container, `the container's ${kind} namespace`).toBe(host);
    }
    // The controls: the same kinds in the config give the container namespaces of its own.
    const controls = Object.fromEntries(await Promise.all((['ipc', 'uts'] as const).map(async (kind) => {
      const { container, host } = await compare(another(ctx), kind, true);
      return [`${kind} left out`, container === host ? 'the runtime\'s' : `its own (${container})`] as const;
    })));
    expectControlsDiffer('the namespaces of a container with ipc and uts in the config', { 'ipc left out': 'the runtime\'s', 'uts left out': 'the runtime\'s' }, controls);
  });

  requirement('linux.namespaces.join-path', 'a namespace with a path joins that namespace instead of creating one', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const pid = await sleeper(ctx);
    const { observation } = await runProbe(ctx, (b) => b.namespace('uts', `/proc/${pid}/ns/uts`).namespace('ipc', `/proc/${pid}/ns/ipc`));
    const joined = await ctx.runner.run('sh', ['-c', `readlink /proc/${pid}/ns/uts; readlink /proc/${pid}/ns/ipc`], { timeoutMs: 10_000 });
    const [uts, ipc] = joined.stdout.trim().split('\n');
    expect([observation.namespaces.uts, observation.namespaces.ipc]).toEqual([uts, ipc]);
    // Without the paths the container would be in a new namespace or in the runtime's: the
    // sleeper's are neither (it has new ones of its own), so a runtime that ignored them fails.
    const own = await hostNamespaces(ctx);
    expectControlsDiffer('the namespaces joined, against the runtime\'s own', { uts, ipc }, { uts: own.uts, ipc: own.ipc });
  });

  requirement('linux.namespaces.wrong-type-path', 'a namespace path of another type is an error', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const pid = await sleeper(ctx);
    const b = await ctx.bundle((c) => c.args('true').namespace('ipc', `/proc/${pid}/ns/uts`));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, `an ipc namespace path to a uts namespace (the path to its ipc namespace instead)`,
      (c) => c.args('true').namespace('ipc', `/proc/${pid}/ns/ipc`));
  });

  requirement('linux.namespaces.duplicate', 'a namespace type listed twice is an error', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const b = await ctx.bundle((c) => c.args('true').edit((config) => void config.linux!.namespaces!.push({ type: 'uts' })));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, 'the second uts namespace', (c) => c.args('true'));
  });

  requirement('config.hostname', 'the container sees the configured hostname', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.hostname('rtc-probe-host'));
    expect(observation.hostname).toBe('rtc-probe-host');
    // The control: the default config's hostname (rtconform).
    const control = await runProbe(another(ctx));
    expectControlsDiffer('the hostname of the default config', { hostname: 'rtc-probe-host' }, { hostname: control.observation.hostname });
  });

  requirement('config.domainname', 'the container sees the configured domainname', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.domainname = 'rtc.example')));
    expect(observation.domainname).toBe('rtc.example');
    // The control: the default config, without domainname.
    const control = await runProbe(another(ctx));
    expectControlsDiffer('the domainname of the default config (none)', { domainname: 'rtc.example' }, { domainname: control.observation.domainname });
  });
});

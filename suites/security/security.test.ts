import { join } from 'node:path';
import { expect } from 'vitest';
import type { IdMapping } from '../../src/probe/observation.js';
import { mountAt } from '../../src/probe/observation.js';
import { runProbe } from '../../src/fixtures/probe.js';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { unsupportedByItsOwnWord } from '../../src/fixtures/unsupported.js';
import { look, where } from '../../src/fixtures/where.js';

/**
 * Container root is host root, so the runtime and the process can use the bundle's root-owned
 * rootfs without a chown; every other id lands at a host id of its own, so an id seen from
 * outside tells whether the mapping was applied. Two entries each: all of them must be written.
 */
const UID_MAPPINGS: IdMapping[] = [{ containerID: 0, hostID: 0, size: 1 }, { containerID: 1, hostID: 100_001, size: 65_535 }];
const GID_MAPPINGS: IdMapping[] = [{ containerID: 0, hostID: 0, size: 1 }, { containerID: 1, hostID: 200_001, size: 65_535 }];
const INSIDE = { uid: 1000, gid: 2000 };

/** Where `id` (inside the user namespace) lands outside it. */
function hostId(mappings: IdMapping[], id: number): number | undefined {
  const m = mappings.find((x) => id >= x.containerID && id < x.containerID + x.size);
  return m === undefined ? undefined : m.hostID + (id - m.containerID);
}

const byContainerId = (maps: IdMapping[]): IdMapping[] => [...maps].sort((a, b) => a.containerID - b.containerID);

const withUserNamespace = (b: BundleBuilder): BundleBuilder => b.namespace('user').user(INSIDE).edit((c) => {
  c.linux = { ...c.linux, uidMappings: UID_MAPPINGS, gidMappings: GID_MAPPINGS };
});

/** The real ids of a container's process as the runtime's side sees them, from /proc/<pid>/status. */
async function idsOutside(ctx: RuntimeTestContext, configure: (b: BundleBuilder) => BundleBuilder): Promise<{ uid: number; gid: number }> {
  const id = ctx.newId();
  const b = await ctx.bundle((c) => configure(c).args('sleep', '600'));
  await ctx.runtime.create(id, { bundle: b.dir, stdio: b.stdio });
  const { pid } = await ctx.runtime.state(id);
  if (!pid) throw new Error(`state of created container ${id} has no pid`);
  const status = await where(ctx, `grep -E '^(Uid|Gid):' /proc/${pid}/status`);
  const real = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { uid: real('Uid'), gid: real('Gid') };
}

/**
 * Skips unless both the kernel where the runtime runs and the runtime itself offer time
 * namespaces. `features` alone does not decide it: crun 1.21 supports them but leaves them out
 * of its list. A runtime that does not list them and refuses a create with one lacks them.
 */
/**
 * Skips where the kernel has no time namespaces; true (the test is done) where the runtime's
 * features lists none and it refused a config asking for one.
 */
async function timeNamespaceUnsupported(ctx: RuntimeTestContext): Promise<boolean> {
  skipIfLimited(ctx, 'noProcessIsolation');
  const kernel = await look(ctx, 'readlink /proc/self/ns/time');
  if (!kernel.ok) ctx.skip(`the kernel where ${ctx.runtime.name} runs has no time namespaces (${kernel.text})`);
  return unsupportedByItsOwnWord(ctx, { list: 'namespaces', needs: ['time'], trial: (b) => b.namespace('time') });
}

describeRuntimes('security: user namespaces, LSM labels, personality, time namespace', (requirement) => {
  requirement('linux.namespaces.new-user', 'a user namespace in the config is a new one', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, withUserNamespace);
    const host = await where(ctx, 'readlink /proc/self/ns/user');
    expect(observation.namespaces.user, "the container's user namespace").not.toBe(host);
    expect(observation.namespaces.user, "the container's user namespace").toMatch(/^user:\[\d+\]$/);
  });

  requirement('linux.user-mappings.uid', 'uid_map holds the configured uidMappings; a uid inside is its mapped uid outside', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, withUserNamespace);
    expect(byContainerId(observation.uidMap), '/proc/<pid>/uid_map').toEqual(byContainerId(UID_MAPPINGS));
    expect(observation.uid, 'uids inside the user namespace').toEqual({ real: INSIDE.uid, effective: INSIDE.uid, saved: INSIDE.uid, fs: INSIDE.uid });
    const outside = await idsOutside(ctx, withUserNamespace);
    expect(outside.uid, `the process's uid outside (uid ${INSIDE.uid} through the mappings)`).toBe(hostId(UID_MAPPINGS, INSIDE.uid));
  });

  requirement('linux.user-mappings.gid', 'gid_map holds the configured gidMappings; a gid inside is its mapped gid outside', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, withUserNamespace);
    expect(byContainerId(observation.gidMap), '/proc/<pid>/gid_map').toEqual(byContainerId(GID_MAPPINGS));
    expect(observation.gid, 'gids inside the user namespace').toEqual({ real: INSIDE.gid, effective: INSIDE.gid, saved: INSIDE.gid, fs: INSIDE.gid });
    const outside = await idsOutside(ctx, withUserNamespace);
    expect(outside.gid, `the process's gid outside (gid ${INSIDE.gid} through the mappings)`).toBe(hostId(GID_MAPPINGS, INSIDE.gid));
  });

  requirement('linux.user-mappings.no-chown', 'the rootfs keeps its owners when the container runs with id mappings', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { bundle } = await runProbe(ctx, withUserNamespace);
    const rootfs = join(bundle.dir, 'rootfs');
    const files = [rootfs, join(rootfs, 'etc', 'passwd'), join(rootfs, 'tmp'), join(rootfs, 'rtconform', 'probe.sh')];
    const owners = await where(ctx, `stat -c '%u:%g %n' ${files.map((f) => `'${f}'`).join(' ')}`);
    // The harness made them all as root (0:0); a runtime that chowns them would show mapped ids.
    expect(owners.split('\n'), 'owner uid:gid of rootfs files after the run').toEqual(files.map((f) => `0:0 ${f}`));
  });

  requirement('config.process.apparmor-profile', 'the process runs confined by the configured AppArmor profile', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const enabled = await look(ctx, 'cat /sys/module/apparmor/parameters/enabled');
    if (!enabled.ok || enabled.text !== 'Y') {
      ctx.skip(`AppArmor is not enabled where ${ctx.runtime.name} runs (${enabled.ok ? `/sys/module/apparmor/parameters/enabled: ${enabled.text}` : enabled.text})`);
    }
    // A profile made for containers: one for some other program could keep the process from running at all.
    const loaded = await look(ctx, 'cat /sys/kernel/security/apparmor/profiles');
    const profile = 'docker-default';
    if (!loaded.text.split('\n').some((l) => l.startsWith(`${profile} (enforce)`))) {
      ctx.skip(`no container AppArmor profile is loaded where ${ctx.runtime.name} runs (looked for ${profile} in enforce mode)`);
    }
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.process!.apparmorProfile = profile)));
    expect(observation.apparmor, "the process's AppArmor label (/proc/<pid>/attr/apparmor/current)").toBe(`${profile} (enforce)`);
  });

  /** The container labels of the SELinux policy where the runtime runs, from lxc_contexts as container tools read them. */
  async function selinuxContainerContexts(ctx: RuntimeTestContext): Promise<{ process: string; file: string }> {
    skipIfLimited(ctx, 'noProcessIsolation');
    const enforce = await look(ctx, 'cat /sys/fs/selinux/enforce');
    if (!enforce.ok) ctx.skip(`SELinux is not enabled where ${ctx.runtime.name} runs (${enforce.text})`);
    const contexts = await look(ctx, 'cat /etc/selinux/$(sed -n "s/^SELINUXTYPE=//p" /etc/selinux/config)/contexts/lxc_contexts');
    const entry = (key: string): string | undefined => new RegExp(`^\\s*${key}\\s*=\\s*"([^"]+)"`, 'm').exec(contexts.text)?.[1];
    const process = entry('process');
    const file = entry('file');
    if (!contexts.ok || !process || !file) ctx.skip(`the SELinux policy where ${ctx.runtime.name} runs defines no container labels (lxc_contexts: ${contexts.text.slice(0, 200)})`);
    return { process: process!, file: file! };
  }

  requirement('config.process.selinux-label', 'the process runs with the configured SELinux label', async (ctx) => {
    const { process } = await selinuxContainerContexts(ctx);
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.process!.selinuxLabel = process)));
    // The probe's apparmor fact falls back to /proc/<pid>/attr/current, which SELinux owns when AppArmor is absent.
    expect(observation.apparmor, "the process's SELinux label (/proc/<pid>/attr/current)").toBe(process);
  });

  requirement('linux.mount-label', "mountLabel is the SELinux context of the container's mounts", async (ctx) => {
    const { file } = await selinuxContainerContexts(ctx);
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.linux = { ...c.linux, mountLabel: file })));
    const dev = mountAt(observation, '/dev');
    expect(dev?.superOptions, 'super options of the tmpfs at /dev').toContain(`context="${file}"`);
  });

  requirement('linux.personality', 'personality LINUX32 makes uname report the 32-bit machine', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // What this kernel reports to a 32-bit process, asked through busybox's linux32 in a plain container.
    const reference = await ctx.bundle((c) => c.shell('echo "native $(uname -m)"; echo "linux32 $(linux32 uname -m)"'));
    await ctx.runtime.run(ctx.newId(), { bundle: reference.dir, stdio: reference.stdio, timeoutMs: 20_000 });
    const text = await reference.output();
    const native = /^native (\S+)$/m.exec(text)?.[1];
    const linux32 = /^linux32 (\S+)$/m.exec(text)?.[1];
    // Where a plain container cannot run linux32 at all, there is nothing to compare with: it cannot be checked here.
    if (!native || !linux32) return ctx.skip(`a plain container of this runtime could not run busybox linux32 to learn the 32-bit machine name, so there is nothing to compare with; it printed: ${text}${await reference.errorOutput()}`);
    if (native === linux32) ctx.skip(`uname reports ${native} with and without the 32-bit personality here: LINUX32 cannot be told apart`);
    const b = await ctx.bundle((c) => c.shell('uname -m').edit((config) => {
      config.linux = { ...config.linux, personality: { domain: 'LINUX32' } };
    }));
    await ctx.runtime.run(ctx.id, { bundle: b.dir, stdio: b.stdio, timeoutMs: 20_000 });
    expect((await b.output()).trim(), `uname -m under personality LINUX32 (native: ${native})`).toBe(linux32);
  });

  const OFFSETS = { monotonic: { secs: 7 * 86_400, nanosecs: 250 }, boottime: { secs: 3_600, nanosecs: 0 } };

  requirement('linux.namespaces.new-time', 'a time namespace in the config is a new one', async (ctx) => {
    if (await timeNamespaceUnsupported(ctx)) return;
    const { observation } = await runProbe(ctx, (b) => b.namespace('time'));
    const host = await where(ctx, 'readlink /proc/self/ns/time');
    expect(observation.namespaces.time, "the container's time namespace").not.toBe(host);
  });

  requirement('linux.namespaces.types-supported', 'one container gets new pid, network, mount, ipc, uts, user, cgroup and time namespaces', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const kernel = await look(ctx, 'readlink /proc/self/ns/time');
    if (!kernel.ok) ctx.skip(`the kernel where ${ctx.runtime.name} runs has no time namespaces (${kernel.text})`);
    const kinds = { pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time' } as const;
    const all = (b: BundleBuilder): BundleBuilder => {
      let built = withUserNamespace(b);
      for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) built = built.namespace(kind);
      return built;
    };
    if (await unsupportedByItsOwnWord(ctx, { list: 'namespaces', needs: Object.keys(kinds), trial: all })) return;
    const host = Object.fromEntries((await where(ctx, `for n in ${Object.values(kinds).join(' ')}; do echo "$n $(readlink /proc/self/ns/$n)"; done`))
      .split('\n').map((l) => l.split(' ') as [string, string]));
    const { observation } = await runProbe(ctx, all);
    const fresh = Object.fromEntries(Object.entries(kinds).map(([kind, proc]) => [kind, observation.namespaces[proc] !== host[proc] && /\[\d+\]$/.test(observation.namespaces[proc] ?? '')]));
    expect(fresh, `each namespace of the container new (container ${JSON.stringify(observation.namespaces)}, runtime's own ${JSON.stringify(host)})`)
      .toEqual(Object.fromEntries(Object.keys(kinds).map((k) => [k, true])));
  });

  requirement('linux.time-offsets', 'timeOffsets are the monotonic and boottime offsets of the container', async (ctx) => {
    if (await timeNamespaceUnsupported(ctx)) return;
    const { observation } = await runProbe(ctx, (b) => b.namespace('time').edit((c) => void (c.linux = { ...c.linux, timeOffsets: OFFSETS })));
    expect(observation.timeOffsets, '/proc/<pid>/timens_offsets').toEqual(OFFSETS);
  });
});

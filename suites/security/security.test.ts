import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { IdMapping } from '../../src/probe/observation.js';
import { mountAt } from '../../src/probe/observation.js';
import { runProbe } from '../../src/fixtures/probe.js';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { unsupportedByItsOwnWord } from '../../src/fixtures/unsupported.js';
import { shellOnTarget, tryShellOnTarget } from '../../src/fixtures/shell-on-target.js';
import { another, expectControlsDiffer, skipWhereControlsSame } from '../control.js';

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
  const status = await shellOnTarget(ctx, `grep -E '^(Uid|Gid):' /proc/${pid}/status`);
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
  const kernel = await tryShellOnTarget(ctx, 'readlink /proc/self/ns/time');
  if (!kernel.ok) ctx.skip(`the kernel where ${ctx.runtime.name} runs has no time namespaces (${kernel.text})`);
  return unsupportedByItsOwnWord(ctx, { list: 'namespaces', needs: ['time'], trial: (b) => b.namespace('time') });
}

describeRuntimes('security: user namespaces, LSM labels, personality, time namespace', (requirement) => {
  requirement('linux.namespaces.new-user', 'a user namespace in the config is a new one', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, withUserNamespace);
    const host = await shellOnTarget(ctx, 'readlink /proc/self/ns/user');
    expect(observation.namespaces.user, "the container's user namespace").not.toBe(host);
    expect(observation.namespaces.user, "the container's user namespace").toMatch(/^user:\[\d+\]$/);
    // The control: without a user namespace in the config the container is in the runtime's.
    const control = (await runProbe(another(ctx))).observation.namespaces.user;
    skipWhereControlsSame(ctx, `the user namespace of a container without one in the config, against the runtime's own (${host})`,
      { 'user namespace': 'not the runtime\'s' }, { 'user namespace': control === host ? 'the runtime\'s' : 'not the runtime\'s' },
      `it reads ${control}, though the config has no user namespace`);
  });

  // No control run for the mappings: without a user namespace uid_map and gid_map are the
  // initial namespace's identity map, 0 0 4294967295, and an id inside is the same id outside.
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
    // Container root is host root (UID_MAPPINGS), so a runtime that shifted the rootfs's owners
    // through the mappings would leave the root-owned files as they were: only a file owned by
    // an id the mappings move (INSIDE, on disk) would change, to its mapped host ids.
    const ownedByInside = join('tmp', 'rtc-owned-by-inside');
    const { bundle } = await runProbe({
      runtime: ctx.runtime, id: ctx.id,
      bundle: async (configure) => {
        const b = await ctx.bundle(configure);
        await writeFile(join(b.dir, 'rootfs', ownedByInside), 'x\n');
        await chown(join(b.dir, 'rootfs', ownedByInside), INSIDE.uid, INSIDE.gid);
        return b;
      },
    }, withUserNamespace);
    const rootfs = join(bundle.dir, 'rootfs');
    const files = [rootfs, join(rootfs, 'etc', 'passwd'), join(rootfs, 'tmp'), join(rootfs, 'rtconform', 'probe.sh'), join(rootfs, ownedByInside)];
    const owners = await shellOnTarget(ctx, `stat -c '%u:%g %n' ${files.map((f) => `'${f}'`).join(' ')}`);
    // The harness made them as root (0:0), but the last as INSIDE; a runtime that chowns them would show mapped ids.
    const owner = (f: string): string => (f.endsWith(ownedByInside) ? `${INSIDE.uid}:${INSIDE.gid}` : '0:0');
    expect(owners.split('\n'), 'owner uid:gid of rootfs files after the run').toEqual(files.map((f) => `${owner(f)} ${f}`));
    expectControlsDiffer(`the owner of ${ownedByInside} shifted through the mappings`, { [ownedByInside]: owner(ownedByInside) },
      { [ownedByInside]: `${hostId(UID_MAPPINGS, INSIDE.uid)}:${hostId(GID_MAPPINGS, INSIDE.gid)}` });
  });

  requirement('config.process.apparmor-profile', 'the process runs confined by the configured AppArmor profile', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const enabled = await tryShellOnTarget(ctx, 'cat /sys/module/apparmor/parameters/enabled');
    if (!enabled.ok || enabled.text !== 'Y') {
      ctx.skip(`AppArmor is not enabled where ${ctx.runtime.name} runs (${enabled.ok ? `/sys/module/apparmor/parameters/enabled: ${enabled.text}` : enabled.text})`);
    }
    // A profile made for containers: one for some other program could keep the process from running at all.
    const loaded = await tryShellOnTarget(ctx, 'cat /sys/kernel/security/apparmor/profiles');
    const profile = 'docker-default';
    if (!loaded.text.split('\n').some((l) => l.startsWith(`${profile} (enforce)`))) {
      ctx.skip(`no container AppArmor profile is loaded where ${ctx.runtime.name} runs (looked for ${profile} in enforce mode)`);
    }
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.process!.apparmorProfile = profile)));
    expect(observation.apparmor, "the process's AppArmor label (/proc/<pid>/attr/apparmor/current)").toBe(`${profile} (enforce)`);
    // The control: without apparmorProfile the process keeps the runtime's label, which is that
    // profile where the runtime itself runs in a Docker container confined by it.
    const control = await runProbe(another(ctx));
    skipWhereControlsSame(ctx, "the process's AppArmor label without apparmorProfile", { apparmorProfile: `${profile} (enforce)` },
      { apparmorProfile: control.observation.apparmor }, `the label ${ctx.runtime.name} runs under, which the process keeps`);
  });

  /** The container labels of the SELinux policy where the runtime runs, from lxc_contexts as container tools read them. */
  async function selinuxContainerContexts(ctx: RuntimeTestContext): Promise<{ process: string; file: string }> {
    skipIfLimited(ctx, 'noProcessIsolation');
    const enforce = await tryShellOnTarget(ctx, 'cat /sys/fs/selinux/enforce');
    if (!enforce.ok) ctx.skip(`SELinux is not enabled where ${ctx.runtime.name} runs (${enforce.text})`);
    const contexts = await tryShellOnTarget(ctx, 'cat /etc/selinux/$(sed -n "s/^SELINUXTYPE=//p" /etc/selinux/config)/contexts/lxc_contexts');
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
    const control = await runProbe(another(ctx));
    skipWhereControlsSame(ctx, "the process's SELinux label without selinuxLabel", { selinuxLabel: process },
      { selinuxLabel: control.observation.apparmor }, `the label ${ctx.runtime.name} gives a container by default`);
  });

  requirement('linux.mount-label', "mountLabel is the SELinux context of the container's mounts", async (ctx) => {
    const { file } = await selinuxContainerContexts(ctx);
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.linux = { ...c.linux, mountLabel: file })));
    const dev = mountAt(observation, '/dev');
    expect(dev?.superOptions, 'super options of the tmpfs at /dev').toContain(`context="${file}"`);
    const control = mountAt((await runProbe(another(ctx))).observation, '/dev');
    skipWhereControlsSame(ctx, 'the context of the tmpfs at /dev without mountLabel', { mountLabel: true },
      { mountLabel: control?.superOptions.includes(`context="${file}"`) }, `the label ${ctx.runtime.name} gives a container's mounts by default`);
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
    const host = await shellOnTarget(ctx, 'readlink /proc/self/ns/time');
    expect(observation.namespaces.time, "the container's time namespace").not.toBe(host);
    // The control: without a time namespace in the config the container is in the runtime's.
    const control = (await runProbe(another(ctx))).observation.namespaces.time;
    skipWhereControlsSame(ctx, `the time namespace of a container without one in the config, against the runtime's own (${host})`,
      { 'time namespace': 'not the runtime\'s' }, { 'time namespace': control === host ? 'the runtime\'s' : 'not the runtime\'s' },
      `it reads ${control}, though the config has no time namespace`);
  });

  requirement('linux.namespaces.types-supported', 'one container gets new pid, network, mount, ipc, uts, user, cgroup and time namespaces', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const kernel = await tryShellOnTarget(ctx, 'readlink /proc/self/ns/time');
    if (!kernel.ok) ctx.skip(`the kernel where ${ctx.runtime.name} runs has no time namespaces (${kernel.text})`);
    const kinds = { pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time' } as const;
    const all = (b: BundleBuilder): BundleBuilder => {
      let built = withUserNamespace(b);
      for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) built = built.namespace(kind);
      return built;
    };
    if (await unsupportedByItsOwnWord(ctx, { list: 'namespaces', needs: Object.keys(kinds), trial: all })) return;
    const host = Object.fromEntries((await shellOnTarget(ctx, `for n in ${Object.values(kinds).join(' ')}; do echo "$n $(readlink /proc/self/ns/$n)"; done`))
      .split('\n').map((l) => l.split(' ') as [string, string]));
    // No control run: each of these left out of a config is the runtime's own (linux.namespaces.
    // inherit; and the tests of each new namespace check that against a container without it).
    const { observation } = await runProbe(ctx, all);
    const fresh = Object.fromEntries(Object.entries(kinds).map(([kind, proc]) => [kind, observation.namespaces[proc] !== host[proc] && /\[\d+\]$/.test(observation.namespaces[proc] ?? '')]));
    expect(fresh, `each namespace of the container new (container ${JSON.stringify(observation.namespaces)}, runtime's own ${JSON.stringify(host)})`)
      .toEqual(Object.fromEntries(Object.keys(kinds).map((k) => [k, true])));
  });

  requirement('linux.time-offsets', 'timeOffsets are the monotonic and boottime offsets of the container', async (ctx) => {
    if (await timeNamespaceUnsupported(ctx)) return;
    const { observation } = await runProbe(ctx, (b) => b.namespace('time').edit((c) => void (c.linux = { ...c.linux, timeOffsets: OFFSETS })));
    expect(observation.timeOffsets, '/proc/<pid>/timens_offsets').toEqual(OFFSETS);
    // The control: the same time namespace without timeOffsets.
    const control = (await runProbe(another(ctx), (b) => b.namespace('time'))).observation.timeOffsets;
    expectControlsDiffer('/proc/<pid>/timens_offsets of a time namespace without timeOffsets', OFFSETS, control);
  });
});

import { expect } from 'vitest';
import { runProbe } from '../../src/fixtures/probe.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import type { PathInfo } from '../../src/probe/observation.js';
import { readCgroups } from './cgroup-reading.js';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import { another, skipWhereControlsSame } from '../control.js';

/**
 * For each hierarchy of /proc/<pid>/cgroup that is mounted where the runtime runs: the cgroup
 * path, and whether the pid is listed in cgroup.procs at mount point + path. Named v1
 * hierarchies (name=systemd) are left out, and so is the v2 part of a hybrid layout: runtimes
 * use it or not as they like.
 */
const PLACEMENT = `
pid=$1
while IFS=: read -r n ctrls path; do
  case "$ctrls" in name=*) continue ;; esac
  if [ -z "$ctrls" ]; then [ -f /sys/fs/cgroup/cgroup.controllers ] || continue; dir=/sys/fs/cgroup; else dir=/sys/fs/cgroup/$ctrls; fi
  [ -d "$dir" ] || continue
  if grep -qx "$pid" "$dir$path/cgroup.procs" 2>/dev/null; then m=listed; else m=unlisted; fi
  echo "\${ctrls:-unified} $path $m"
done < /proc/$pid/cgroup`;

interface Place { path: string; procs: string }

/** Where the container's process is, hierarchy by hierarchy, as the runtime's side sees it. */
async function placement(ctx: RuntimeTestContext, id: string): Promise<Record<string, Place>> {
  const { pid } = await ctx.runtime.state(id);
  if (!pid) throw new Error(`state of created container ${id} has no pid`);
  const result = await ctx.runner.run('sh', ['-c', PLACEMENT, 'placement', String(pid)], { timeoutMs: 10_000 });
  expect(result.exitCode, `reading /proc/${pid}/cgroup where the runtime runs: ${result.stderr}`).toBe(0);
  const places = Object.fromEntries(result.stdout.trim().split('\n').filter(Boolean).map((line) => {
    const [hierarchy = '', path = '', procs = ''] = line.split(' ');
    return [hierarchy, { path, procs }];
  }));
  expect(Object.keys(places), `cgroup hierarchies of pid ${pid} mounted at /sys/fs/cgroup where the runtime runs`).not.toEqual([]);
  return places;
}

async function createWithCgroupsPath(ctx: RuntimeTestContext, id: string, cgroupsPath: string): Promise<void> {
  const b = await ctx.bundle((c) => c.args('sleep', '600').edit((config) => void (config.linux!.cgroupsPath = cgroupsPath)));
  await ctx.runtime.create(id, { bundle: b.dir, stdio: b.stdio });
}

/** `value` under each key of `like`: what a check expects of every hierarchy or path it found. */
const everywhere = <T>(like: Record<string, unknown>, value: T): Record<string, T> =>
  Object.fromEntries(Object.keys(like).map((k) => [k, value]));

/** Where the probe (as uid UID) sees its cgroup's directories and delegatable files. */
const UID = 1234;
const DELEGATED = ['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads'];

function owners(paths: Record<string, PathInfo>, wanted: string[]): Record<string, number> {
  return Object.fromEntries(wanted.flatMap((p) => {
    const info = paths[p];
    return info?.kind === 'present' ? [[p, info.uid]] : [];
  }));
}

/** The cgroup mount of ownCgroupNamespace, read-write. */
const readWriteCgroup = (b: BundleBuilder): BundleBuilder => b.edit((c) => {
  const mount = c.mounts!.find((m) => m.destination === '/sys/fs/cgroup')!;
  mount.options = (mount.options ?? []).map((o) => (o === 'ro' ? 'rw' : o));
});

describeRuntimes('resources: cgroupsPath and cgroup ownership', (requirement) => {
  requirement('linux.cgroups.path-absolute', 'an absolute cgroupsPath is that path below each cgroup mount point', async (ctx) => {
    skipIfLimited(ctx, 'noCgroups');
    // Named after the container id so the run's sweep finds it if a runtime leaves it behind;
    // the -abs no runtime's own path has, so without cgroupsPath the container is elsewhere.
    const cgroupsPath = `/${ctx.id}-abs`;
    await createWithCgroupsPath(ctx, ctx.id, cgroupsPath);
    const places = await placement(ctx, ctx.id);
    expect(places, `the container's cgroups with cgroupsPath ${cgroupsPath}`).toEqual(everywhere(places, { path: cgroupsPath, procs: 'listed' }));
  });

  requirement('linux.cgroups.path-consistent', 'the same relative cgroupsPath lands at the same place each time', async (ctx) => {
    skipIfLimited(ctx, 'noCgroups');
    // Without cgroupsPath each container's path would have its own id: the two would differ.
    const cgroupsPath = `${ctx.id}-rel`;
    await createWithCgroupsPath(ctx, ctx.id, cgroupsPath);
    const first = await placement(ctx, ctx.id);
    await ctx.runtime.delete(ctx.id, { force: true });
    const second = ctx.newId();
    await createWithCgroupsPath(ctx, second, cgroupsPath);
    const again = await placement(ctx, second);
    expect(again, `the second container's cgroups with cgroupsPath ${cgroupsPath}, against the first's`).toEqual(first);
    for (const [hierarchy, { path }] of Object.entries(first)) {
      expect(path.endsWith(`/${cgroupsPath}`), `${hierarchy} cgroup ${path} ends with the relative cgroupsPath ${cgroupsPath}`).toBe(true);
    }
  });

  /** Paths of the container's own cgroup directories (v1: one per hierarchy) and the delegatable files in them. */
  const ownCgroupPaths = async (ctx: RuntimeTestContext): Promise<{ dirs: string[]; files: string[]; version: 1 | 2 }> => {
    const view = await readCgroups(ctx);
    const dirs = view.version === 2 ? ['/sys/fs/cgroup'] : [...new Set(view.controllers)].map((c) => `/sys/fs/cgroup/${c}`);
    const files = dirs.flatMap((d) => (view.version === 2 ? DELEGATED : ['cgroup.procs']).map((f) => `${d}/${f}`));
    return { dirs, files, version: view.version };
  };

  requirement('linux.cgroups.owner-unchanged', 'with a read-only cgroup mount the container\'s cgroup stays owned by root', async (ctx) => {
    skipIfLimited(ctx, 'noCgroups');
    const { dirs, files } = await ownCgroupPaths(ctx);
    const { observation } = await runProbe(ctx, (b) => b.ownCgroupNamespace().user({ uid: UID, gid: UID }), { paths: [...dirs, ...files] });
    const seen = owners(observation.paths, [...dirs, ...files]);
    expect(Object.keys(seen), 'cgroup directories and files the probe found').not.toEqual([]);
    expect(seen, `owners of the container's cgroup (process.user.uid ${UID}, cgroup mounted read-only)`).toEqual(everywhere(seen, 0));
    // The control: the same with the cgroup mounted read-write, where the runtime delegates the
    // cgroup to the user (owner-delegated). Where it leaves it to root there too (cgroup v1, or a
    // runtime that does not delegate), root owning it says nothing of the read-only mount.
    const control = await runProbe(another(ctx), (b) => readWriteCgroup(b.ownCgroupNamespace().user({ uid: UID, gid: UID })), { paths: [...dirs, ...files] });
    const delegated = owners(control.observation.paths, [...dirs, ...files]);
    skipWhereControlsSame(ctx, `owners of the container's cgroup with the cgroup mounted read-write (process.user.uid ${UID})`,
      { 'read-only cgroup mount': 'root only' }, { 'read-only cgroup mount': Object.values(delegated).every((uid) => uid === 0) ? 'root only' : JSON.stringify(delegated) },
      `${ctx.runtime.name} leaves the cgroup to root here whatever the mount`);
  });

  requirement('linux.cgroups.owner-delegated', 'on cgroup v2 with a cgroup namespace and a read-write mount, the cgroup belongs to the process user', async (ctx) => {
    skipIfLimited(ctx, 'noCgroups');
    const { dirs, files, version } = await ownCgroupPaths(ctx);
    if (version !== 2) ctx.skip('cgroup ownership is delegated on cgroup v2 only: this container sees cgroup v1');
    // Without the user (root) or with the mount read-only (owner-unchanged) the cgroup stays root's.
    const { observation } = await runProbe(ctx, (b) => readWriteCgroup(b.ownCgroupNamespace().user({ uid: UID, gid: UID })), { paths: [...dirs, ...files] });
    const seen = owners(observation.paths, [...dirs, ...files]);
    const expected = Object.fromEntries([...dirs, ...files].map((p) => [p, UID]));
    expect(seen, `owners of the container's cgroup (process.user.uid ${UID}, cgroup namespace, cgroup mounted read-write)`).toEqual(expected);
  });
});


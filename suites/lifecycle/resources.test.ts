import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { processExists } from '../../src/fixtures/process-exists.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { reopenRuntime } from '../../src/fixtures/reopen-runtime.js';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import { waitFor } from '../../src/util/wait.js';
import { shellOnTarget } from '../../src/fixtures/shell-on-target.js';
import { expectControlsDiffer } from '../control.js';

const NAMESPACES = ['ipc', 'mnt', 'net', 'pid', 'uts'];

/** `kind inode` per line, for a pid or `self`: which namespaces a process is in. */
const namespacesOf = (ctx: RuntimeTestContext, pid: number | 'self'): Promise<string> =>
  shellOnTarget(ctx, `for n in ${NAMESPACES.join(' ')}; do echo "$n $(readlink /proc/$1/ns/$n)"; done`, String(pid));

/**
 * The cgroup directories a process is in, one per mounted hierarchy, as paths below
 * /sys/fs/cgroup where the runtime runs. Named v1 hierarchies are left out, and so is the v2
 * part of a hybrid layout: runtimes use it or not as they like.
 */
const CGROUP_DIRS = `
while IFS=: read -r n ctrls path; do
  case "$ctrls" in name=*) continue ;; esac
  if [ -z "$ctrls" ]; then [ -f /sys/fs/cgroup/cgroup.controllers ] && echo "/sys/fs/cgroup$path"
  else [ -d "/sys/fs/cgroup/$ctrls" ] && echo "/sys/fs/cgroup/$ctrls$path"; fi
done < /proc/$1/cgroup; true`;

async function cgroupDirs(ctx: RuntimeTestContext, pid: number): Promise<string[]> {
  return (await shellOnTarget(ctx, CGROUP_DIRS, String(pid))).split('\n').filter(Boolean);
}

async function pidOf(ctx: RuntimeTestContext, id: string): Promise<number> {
  const { pid } = await ctx.runtime.state(id);
  if (!pid) throw new Error(`state of container ${id} has no pid`);
  return pid;
}

describeRuntimes('lifecycle: what create makes and delete removes', (requirement) => {
  requirement('scope.same-caller', 'the caller that created a container can query, start, signal and delete it, each from a new runtime invocation', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('sleep', '600'));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    // A second adapter over the same binary and root: nothing may hang on the creating call.
    const again = reopenRuntime(ctx, 'second-caller');
    expect((await again.state(ctx.id)).status, 'state from the second invocation').toBe('created');
    await again.start(ctx.id);
    expect(await again.status(ctx.id), 'status after start from the second invocation').toBe('running');
    await again.kill(ctx.id, 'KILL');
    await waitForStatus(again, ctx.id, 'stopped');
    await again.delete(ctx.id);
    await refusal(ctx.runtime.state(ctx.id));
  });

  requirement('start.no-process', 'a config without process cannot be started: create or start refuses it', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('sleep', '600'));
    const config = structuredClone(b.config);
    delete config.process;
    await b.rewrite(config);
    const createThenStart = async (): Promise<void> => {
      await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
      await ctx.runtime.start(ctx.id);
    };
    await refusal(createThenStart());
    const status = await ctx.runtime.status(ctx.id).catch(() => 'no container');
    expect(status, 'the container after the refused create or start').not.toBe('running');
  });

  requirement('create.resources-created', 'once create returns, the namespaces, mounts and cgroup of the config exist, before start', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // A fresh mount destination and a cgroupsPath no runtime picks by itself: without them the
    // created container has neither. The namespaces are against the runtime's own, which a
    // container without them in the config shares (linux.namespaces.inherit).
    const cgroupsPath = `/${ctx.id}-created`;
    const b = await ctx.bundle((c) => c.args('sleep', '600')
      .mount({ destination: '/rtc-created', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] })
      .edit((config) => void (config.linux!.cgroupsPath = cgroupsPath)));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    const pid = await pidOf(ctx, ctx.id);
    const [container, own] = [await namespacesOf(ctx, pid), await namespacesOf(ctx, 'self')];
    const differs = Object.fromEntries(NAMESPACES.map((n, i) => [n, container.split('\n')[i] !== own.split('\n')[i]]));
    expect(differs, `namespaces of the created container's pid ${pid}, new against the runtime's own:\n${container}`)
      .toEqual(Object.fromEntries(NAMESPACES.map((n) => [n, true])));
    const mounts = await shellOnTarget(ctx, 'cut -d" " -f5,9 /proc/$1/mountinfo', String(pid));
    expect(mounts.split('\n'), `mount points and types of pid ${pid} before start`).toContain('/rtc-created tmpfs');
    if (ctx.runtime.profile.limitations.noCgroups === undefined) {
      const dirs = await cgroupDirs(ctx, pid);
      expect(dirs.length, `cgroups of pid ${pid}`).toBeGreaterThan(0);
      expect(dirs.filter((d) => !d.endsWith(cgroupsPath)), `cgroups of pid ${pid} not at cgroupsPath ${cgroupsPath} (all: ${dirs.join(', ')})`).toEqual([]);
    }
    expect(await ctx.runtime.status(ctx.id)).toBe('created');
  });

  requirement('delete.resources-released', 'after delete the container\'s cgroups and processes are gone', async (ctx) => {
    const cgroupsPath = `/${ctx.id}-released`;
    const b = await ctx.bundle((c) => c.shell('sleep 600 & exec sleep 600').edit((config) => void (config.linux!.cgroupsPath = cgroupsPath)));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    await ctx.runtime.start(ctx.id);
    const listed = await waitFor(async (seen) => {
      const found = await ctx.runtime.ps(ctx.id);
      seen(found);
      return found.length >= 2 ? found : undefined;
    }, { timeoutMs: 10_000, who: 'runtime', description: 'both processes of the container (the init and its background sleep) in ps' });
    // ps lists host pids (runc), or a view of the runtime's own (runsc: its sandbox's, where
    // the state pid is not among them): then the state pid is the process the host can check.
    const statePid = (await ctx.runtime.state(ctx.id)).pid;
    const pids = statePid !== undefined && !listed.includes(statePid) ? [statePid] : listed;
    const dirs = ctx.runtime.profile.limitations.noCgroups === undefined ? await cgroupDirs(ctx, pids[0]!) : [];
    // The control: the directories are there before delete, so their absence after is its doing.
    const there = (await shellOnTarget(ctx, 'for d in "$@"; do [ -d "$d" ] && echo "$d"; done; true', ...dirs)).split('\n').filter(Boolean);
    expectControlsDiffer(`the container's cgroup directories (cgroupsPath ${cgroupsPath}) before delete`,
      Object.fromEntries(dirs.map((d) => [d, 'gone'])), Object.fromEntries(dirs.map((d) => [d, there.includes(d) ? 'there' : 'gone'])));
    await ctx.runtime.kill(ctx.id, 'KILL');
    await waitForStatus(ctx.runtime, ctx.id, 'stopped');
    await ctx.runtime.delete(ctx.id);
    await waitFor(async () => {
      const alive = [];
      for (const pid of pids) if (await processExists(ctx, pid)) alive.push(pid);
      return alive.length === 0 ? true : undefined;
    }, { timeoutMs: 10_000, who: 'runtime', description: `pids ${pids.join(', ')} of the deleted container to be gone` });
    if (dirs.length > 0) {
      const left = await shellOnTarget(ctx, 'for d in "$@"; do [ -d "$d" ] && echo "$d"; done; true', ...dirs);
      expect(left.split('\n').filter(Boolean), `cgroup directories of the container (cgroupsPath ${cgroupsPath}) still there after delete`).toEqual([]);
    }
  });

  requirement('delete.foreign-resources-kept', 'delete leaves the source of a bind mount and a namespace the container joined', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const holderId = ctx.newId();
    const holder = await ctx.bundle((c) => c.args('sleep', '600'));
    await ctx.runtime.create(holderId, { bundle: holder.dir, stdio: holder.stdio });
    const holderPid = await pidOf(ctx, holderId);
    const joinedBefore = await shellOnTarget(ctx, 'readlink /proc/$1/ns/uts', String(holderPid));
    const source = join(ctx.workDir, 'bind-source');
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'kept.txt'), 'still here\n');
    const b = await ctx.bundle((c) => c.shell('cat /rtc-bound/kept.txt')
      .namespace('uts', `/proc/${holderPid}/ns/uts`).edit((config) => void delete config.hostname)
      .mount({ destination: '/rtc-bound', type: 'bind', source, options: ['rbind', 'rw'] }));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    await ctx.runtime.start(ctx.id);
    await waitForStatus(ctx.runtime, ctx.id, 'stopped');
    expect(await b.output(), 'the container read the bind-mounted file').toContain('still here');
    await ctx.runtime.delete(ctx.id);
    expect(await readFile(join(source, 'kept.txt'), 'utf8').catch((e: Error) => `gone: ${e.message}`), 'the bind mount source after delete').toBe('still here\n');
    expect(await ctx.runtime.status(holderId), 'the container whose uts namespace was joined').toBe('created');
    expect(await shellOnTarget(ctx, 'readlink /proc/$1/ns/uts', String(holderPid)), 'its uts namespace after delete').toBe(joinedBefore);
  });
});

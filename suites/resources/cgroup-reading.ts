import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runProbe } from '../../src/fixtures/probe.js';
import { PROBE_SCRIPT } from '../../src/probe/observation.js';
import type { Bundle, RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { parseObservation, type Observation } from '../../src/probe/observation.js';

/**
 * What a container of this runtime sees of its own cgroup when the bundle gives it a cgroup
 * namespace and a cgroup mount: the version, the controllers it can use and the interface files
 * that exist before any limit is set. Checks read it to skip, with the reason, what cannot be
 * set where they run, instead of failing on a missing controller or passing on a missing file.
 */
export interface CgroupReading {
  version: 1 | 2;
  /** v2: the container cgroup's cgroup.controllers; v1: the hierarchies of /proc/self/cgroup. */
  controllers: string[];
  /** The probe's cgroupFiles of a container without resources. */
  files: Record<string, string>;
}

export function cgroupReadingOf(observation: Observation): CgroupReading {
  const files = observation.cgroupFiles;
  // Only cgroup2 has cgroup.controllers at the root of the mount; v1 hierarchies are subdirectories.
  const unified = files['cgroup.controllers'];
  if (unified !== undefined) return { version: 2, controllers: unified.split(/\s+/).filter(Boolean), files };
  const controllers = observation.cgroups.flatMap((line) => (line.split(':')[1] ?? '').split(',')).filter((c) => c !== '' && !c.startsWith('name='));
  return { version: 1, controllers, files };
}

/** One container run per runtime and test file: the view does not change between tests. */
const views = new Map<string, Promise<CgroupReading>>();

export async function readCgroups(ctx: RuntimeTestContext): Promise<CgroupReading> {
  let view = views.get(ctx.selection.key);
  if (!view) {
    view = runProbe({ ...ctx, id: ctx.newId() }, (b) => b.ownCgroupNamespace()).then(({ observation }) => cgroupReadingOf(observation));
    // A failed look is not remembered: the next test tries again and fails with its own error.
    void view.catch(() => views.delete(ctx.selection.key));
    views.set(ctx.selection.key, view);
  }
  const seen = await view;
  expect(Object.keys(seen.files), 'cgroup interface files the container sees at /sys/fs/cgroup (the bundle mounts its cgroup there)').not.toEqual([]);
  return seen;
}

/** Names of one interface file, as cgroup v1 (under its controller's hierarchy) and v2 call it. */
export interface CgroupFile {
  controller: string;
  v1: string;
  v2: string;
  /** Why the file may be missing although its controller is there: quoted when the test skips. */
  absentMeans?: string;
}

export const MiB = 1024 * 1024;

export const MEMORY_LIMIT: CgroupFile = { controller: 'memory', v1: 'memory.limit_in_bytes', v2: 'memory.max' };
export const MEMORY_LOW: CgroupFile = { controller: 'memory', v1: 'memory.soft_limit_in_bytes', v2: 'memory.low' };
export const MEMORY_SWAP: CgroupFile = { controller: 'memory', v1: 'memory.memsw.limit_in_bytes', v2: 'memory.swap.max', absentMeans: 'swap accounting is off in this kernel' };
export const PIDS_MAX: CgroupFile = { controller: 'pids', v1: 'pids.max', v2: 'pids.max' };
export const CPU_SHARES: CgroupFile = { controller: 'cpu', v1: 'cpu.shares', v2: 'cpu.weight' };
export const CPU_QUOTA: CgroupFile = { controller: 'cpu', v1: 'cpu.cfs_quota_us', v2: 'cpu.max' };
export const CPU_PERIOD: CgroupFile = { controller: 'cpu', v1: 'cpu.cfs_period_us', v2: 'cpu.max' };
export const CPUSET_CPUS: CgroupFile = { controller: 'cpuset', v1: 'cpuset.cpus', v2: 'cpuset.cpus' };
export const CPUSET_MEMS: CgroupFile = { controller: 'cpuset', v1: 'cpuset.mems', v2: 'cpuset.mems' };

/**
 * cpu.shares as cgroup v2's cpu.weight. runc and crun first mapped [2, 262144] linearly onto
 * [1, 10000]; later releases of both switched to a curve that keeps the default 1024 at 100.
 * Either is a faithful conversion, so both are accepted.
 */
export function cpuWeights(shares: number): string[] {
  const linear = 1 + Math.floor(((shares - 2) * 9999) / 262142);
  const l = Math.log2(shares);
  const curve = Math.ceil(10 ** ((l * l + 125 * l) / 612 - 7 / 34));
  return [...new Set([String(linear), String(curve)])];
}

/**
 * Forks up to `n` sleepers, printing the count after each. busybox sh gives up at the first
 * fork that fails, so the last number is how many started. The sleepers get no stdout: an
 * exec's pipe held open by them would keep the exec call from returning.
 */
export const FORK_SLEEPERS = (n: number): string =>
  `i=0; while [ $i -lt ${n} ]; do sleep 600 </dev/null >/dev/null 2>&1 & i=$((i+1)); echo $i; done`;

/**
 * The probe's key for `file` in this view (e.g. memory/memory.limit_in_bytes or memory.max).
 * Skips when the controller is missing or not delegated, or the file does not exist.
 */
export function fileIn(ctx: RuntimeTestContext, view: CgroupReading, file: CgroupFile): string {
  requireController(ctx, view, file.controller);
  const key = view.version === 2 ? file.v2 : `${file.controller}/${file.v1}`;
  if (view.files[key] === undefined) {
    ctx.skip(`${key} is absent from the container's cgroup (cgroup v${view.version})${file.absentMeans ? `: ${file.absentMeans}` : ''}`);
  }
  return key;
}

export function requireController(ctx: RuntimeTestContext, view: CgroupReading, controller: string): void {
  if (view.controllers.includes(controller)) return;
  if (view.version === 2) {
    const listed = view.controllers.length === 0 ? 'no controller' : `only ${view.controllers.join(' ')}`;
    ctx.skip(`${controller} controller not delegated to this cgroup (cgroup v2): cgroup.controllers lists ${listed}`);
  }
  ctx.skip(`${controller} controller not mounted (cgroup v1): /proc/self/cgroup lists no ${controller} hierarchy`);
}

/** Puts the probe into a bundle's rootfs, so it can be exec'd into the running container. */
export async function installProbe(bundle: Bundle): Promise<void> {
  const dir = join(bundle.dir, 'rootfs', 'rtconform');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await copyFile(PROBE_SCRIPT(), join(dir, 'probe.sh'));
  await chmod(join(dir, 'probe.sh'), 0o755);
  await writeFile(join(dir, 'paths'), '\n');
  await writeFile(join(dir, 'sysctls'), '\n');
}

/** What an exec'd probe sees in a running container made from a bundle with installProbe. */
export async function execProbe(ctx: RuntimeTestContext, id: string): Promise<Observation> {
  const result = await ctx.runtime.exec(id, ['/rtconform/probe.sh'], { timeoutMs: 30_000 });
  return parseObservation(result.stdout);
}

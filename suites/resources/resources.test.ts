import { expect } from 'vitest';
import { runProbe } from '../../src/fixtures/probe.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { another, expectControlsDiffer, skipWhereControlsSame } from '../control.js';
import type { LinuxResources } from '../../src/spec/config.js';
import {
  CPU_PERIOD, CPU_QUOTA, CPU_SHARES, CPUSET_CPUS, CPUSET_MEMS, FORK_SLEEPERS, MEMORY_LIMIT, MEMORY_LOW, MEMORY_SWAP, MiB, PIDS_MAX,
  readCgroups, cpuWeights, fileIn, requireController, type CgroupReading,
} from './cgroup-reading.js';

/** What the runtime itself may use (its own cpuset), from /proc/self/status where it runs. */
async function allowedList(ctx: RuntimeTestContext, field: 'Cpus_allowed_list' | 'Mems_allowed_list'): Promise<number[]> {
  const result = await ctx.runner.run('grep', [`^${field}:`, '/proc/self/status'], { timeoutMs: 10_000 });
  const list = result.stdout.split(':')[1]?.trim() ?? '';
  const items = list.split(',').filter(Boolean).flatMap((range) => {
    const [from, to] = range.split('-').map(Number);
    if (from === undefined || Number.isNaN(from)) return [];
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  });
  expect(items, `${field} in /proc/self/status where the runtime runs`).not.toEqual([]);
  return items;
}

/** The kernel's name for a huge page size in hugetlb.<size>.* files (mem_fmt in mm/hugetlb_cgroup.c). */
function hugetlbName(kiB: number): string {
  if (kiB >= 1024 * 1024) return `${kiB / (1024 * 1024)}GB`;
  if (kiB >= 1024) return `${kiB / 1024}MB`;
  return `${kiB}KB`;
}

/** The smallest huge page size the kernel offers where the runtime runs, or a skip when there is none. */
async function smallestHugePage(ctx: RuntimeTestContext): Promise<number> {
  const result = await ctx.runner.run('ls', ['/sys/kernel/mm/hugepages'], { timeoutMs: 10_000 });
  const sizes = result.stdout.split(/\s+/).map((name) => /^hugepages-(\d+)kB$/.exec(name)?.[1]).filter((s): s is string => s !== undefined).map(Number);
  if (sizes.length === 0) ctx.skip('no huge page size: /sys/kernel/mm/hugepages is empty or missing');
  return Math.min(...sizes);
}

/**
 * A whole disk where the runtime runs, as major:minor: throttle rules must name a block device
 * the kernel has. Disks come before loop, RAM and zram devices, which exist on fewer machines.
 */
async function blockDevice(ctx: RuntimeTestContext): Promise<string> {
  const result = await ctx.runner.run('sh', ['-c', 'for d in /sys/block/*; do [ -f "$d/dev" ] && echo "${d##*/} $(cat "$d/dev")"; done'], { timeoutMs: 10_000 });
  const disks = result.stdout.trim().split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]);
  const [, device] = disks.find(([name]) => !/^(loop|ram|zram)/.test(name)) ?? disks[0] ?? ctx.skip('no block device in /sys/block to throttle');
  return device;
}

describeRuntimes('resources: cgroup limits the container sees in its own cgroup', (requirement) => {
  /** The view, after the fake (which makes no cgroup) is skipped. */
  const view = async (ctx: RuntimeTestContext): Promise<CgroupReading> => {
    skipIfLimited(ctx, 'noCgroups');
    return readCgroups(ctx);
  };
  /** The container's own cgroup files with `resources` applied. */
  const limited = async (ctx: RuntimeTestContext, resources: LinuxResources): Promise<Record<string, string>> => {
    const { observation } = await runProbe(ctx, (b) => b.ownCgroupNamespace().resources(resources));
    return observation.cgroupFiles;
  };
  /**
   * The control of each test here is the view: the same container's files without resources.
   * Each file the test expects a value in must read otherwise there; where it reads the same
   * (one CPU, one memory node), the machine cannot show the entry: the test skips.
   */
  const expectDefaultsDiffer = (ctx: RuntimeTestContext, v: CgroupReading, entry: string, expected: Record<string, string | undefined>): void =>
    skipWhereControlsSame(ctx, `the container's cgroup files without ${entry}`, expected, Object.fromEntries(Object.keys(expected).map((k) => [k, v.files[k]])),
      'what the container\'s cgroup has without it on this machine');

  requirement('linux.resources.memory-limit', 'memory.limit is the cgroup\'s memory limit', async (ctx) => {
    const v = await view(ctx);
    const key = fileIn(ctx, v, MEMORY_LIMIT);
    const files = await limited(ctx, { memory: { limit: 64 * MiB } });
    expect(files[key], `${key} with memory.limit ${64 * MiB}`).toBe(String(64 * MiB));
    expectDefaultsDiffer(ctx, v, 'memory.limit', { [key]: String(64 * MiB) });
  });

  requirement('linux.resources.memory-reservation', 'memory.reservation is the cgroup\'s soft limit', async (ctx) => {
    const v = await view(ctx);
    const key = fileIn(ctx, v, MEMORY_LOW);
    const files = await limited(ctx, { memory: { limit: 64 * MiB, reservation: 32 * MiB } });
    expect(files[key], `${key} with memory.reservation ${32 * MiB}`).toBe(String(32 * MiB));
    expectDefaultsDiffer(ctx, v, 'memory.reservation', { [key]: String(32 * MiB) });
  });

  requirement('linux.resources.memory-swap', 'memory.swap limits memory plus swap', async (ctx) => {
    const v = await view(ctx);
    const key = fileIn(ctx, v, MEMORY_SWAP);
    const files = await limited(ctx, { memory: { limit: 64 * MiB, swap: 128 * MiB } });
    // v1 memsw counts memory plus swap, as the config does; v2's swap.max counts swap alone.
    const expected = v.version === 1 ? 128 * MiB : 64 * MiB;
    expect(files[key], `${key} with memory.limit ${64 * MiB} and memory.swap ${128 * MiB}`).toBe(String(expected));
    expectDefaultsDiffer(ctx, v, 'memory.swap', { [key]: String(expected) });
  });

  requirement('linux.resources.cpu-shares', 'cpu.shares sets the cgroup\'s relative CPU weight', async (ctx) => {
    const v = await view(ctx);
    const key = fileIn(ctx, v, CPU_SHARES);
    const files = await limited(ctx, { cpu: { shares: 512 } });
    const expected = v.version === 1 ? ['512'] : cpuWeights(512);
    expect(expected, `${key} with cpu.shares 512 (one of ${expected.join(', ')})`).toContain(files[key]);
    skipWhereControlsSame(ctx, 'the container\'s cgroup files without cpu.shares', { [`${key} one of ${expected.join(', ')}`]: true },
      { [`${key} one of ${expected.join(', ')}`]: expected.includes(v.files[key] ?? '') }, 'what the container\'s cgroup has without it on this machine');
  });

  requirement('linux.resources.cpu-quota-period', 'cpu.quota and cpu.period set the CPU bandwidth limit', async (ctx) => {
    const v = await view(ctx);
    const quota = fileIn(ctx, v, CPU_QUOTA);
    const period = fileIn(ctx, v, CPU_PERIOD);
    const files = await limited(ctx, { cpu: { quota: 50_000, period: 200_000 } });
    if (v.version === 2) {
      expect(files[quota], `${quota} with cpu.quota 50000 and cpu.period 200000`).toBe('50000 200000');
      // One file for both: the quota is the first word, the period the second.
      const [q, p] = (v.files[quota] ?? '').split(' ');
      skipWhereControlsSame(ctx, 'the container\'s cgroup files without cpu.quota and cpu.period', { 'cpu.quota': '50000', 'cpu.period': '200000' },
        { 'cpu.quota': q, 'cpu.period': p }, 'what the container\'s cgroup has without them on this machine');
    } else {
      expect({ [quota]: files[quota], [period]: files[period] }, 'cpu bandwidth with cpu.quota 50000 and cpu.period 200000')
        .toEqual({ [quota]: '50000', [period]: '200000' });
      expectDefaultsDiffer(ctx, v, 'cpu.quota and cpu.period', { [quota]: '50000', [period]: '200000' });
    }
  });

  requirement('linux.resources.cpu-burst', 'cpu.burst sets the cgroup\'s CPU burst', async (ctx) => {
    const v = await view(ctx);
    const key = fileIn(ctx, v, { controller: 'cpu', v1: 'cpu.cfs_burst_us', v2: 'cpu.max.burst', absentMeans: 'this kernel has no CFS burst' });
    // A burst needs a quota to burst over, and may not exceed it.
    const files = await limited(ctx, { cpu: { quota: 50_000, period: 100_000, burst: 20_000 } });
    expect(files[key], `${key} with cpu.burst 20000 (quota 50000, period 100000)`).toBe('20000');
    expectDefaultsDiffer(ctx, v, 'cpu.burst', { [key]: '20000' });
  });

  requirement('linux.resources.cpu-idle', 'cpu.idle 1 makes the cgroup SCHED_IDLE', async (ctx) => {
    const v = await view(ctx);
    const key = fileIn(ctx, v, { controller: 'cpu', v1: 'cpu.idle', v2: 'cpu.idle', absentMeans: 'this kernel has no SCHED_IDLE cgroups' });
    const files = await limited(ctx, { cpu: { idle: 1 } });
    expect(files[key], `${key} with cpu.idle 1`).toBe('1');
    expectDefaultsDiffer(ctx, v, 'cpu.idle', { [key]: '1' });
  });

  requirement('linux.resources.cpuset-cpus', 'cpu.cpus restricts the container to those CPUs', async (ctx) => {
    const v = await view(ctx);
    const key = fileIn(ctx, v, CPUSET_CPUS);
    // The last CPU the runtime may use: on a machine with more than one, a real restriction; on
    // one with a single CPU, what the cgroup has anyway (the test skips).
    const cpu = String((await allowedList(ctx, 'Cpus_allowed_list')).at(-1));
    const files = await limited(ctx, { cpu: { cpus: cpu } });
    expect(files[key], `${key} with cpu.cpus "${cpu}"`).toBe(cpu);
    expectDefaultsDiffer(ctx, v, 'cpu.cpus', { [key]: cpu });
  });

  requirement('linux.resources.cpuset-mems', 'cpu.mems restricts the container to those memory nodes', async (ctx) => {
    const v = await view(ctx);
    const key = fileIn(ctx, v, CPUSET_MEMS);
    // The last node the runtime may use. With a single node this is node 0, what the cgroup has
    // anyway: the file must still say it, but the test cannot tell, and skips.
    const node = String((await allowedList(ctx, 'Mems_allowed_list')).at(-1));
    const files = await limited(ctx, { cpu: { mems: node } });
    expect(files[key], `${key} with cpu.mems "${node}"`).toBe(node);
    expectDefaultsDiffer(ctx, v, 'cpu.mems', { [key]: node });
  });

  requirement('linux.resources.pids-limit', 'pids.limit is the cgroup\'s task limit, and forks beyond it fail', async (ctx) => {
    const v = await view(ctx);
    const key = fileIn(ctx, v, PIDS_MAX);
    const files = await limited(ctx, { pids: { limit: 37 } });
    expect(files[key], `${key} with pids.limit 37`).toBe('37');

    // Enforcement, in a running container: an exec'd shell forks sleepers until a fork fails.
    const limit = 16;
    const attempts = 40;
    /** How many sleepers the shell started, and how many processes the container then had. */
    const forking = async (resources: LinuxResources): Promise<{ started: number; tasks: number; what: string }> => {
      const id = ctx.newId();
      const b = await ctx.bundle((c) => c.args('sleep', '600').resources(resources));
      await ctx.runtime.create(id, { bundle: b.dir, stdio: b.stdio });
      await ctx.runtime.start(id);
      const fork = await ctx.runtime.exec(id, ['sh', '-c', FORK_SLEEPERS(attempts)], { timeoutMs: 30_000 });
      return {
        started: Number(fork.stdout.trim().split('\n').at(-1) ?? 0),
        tasks: (await ctx.runtime.ps(id)).length,
        what: `(exit ${fork.exitCode}, stderr: ${fork.stderr.trim()})`,
      };
    };
    const { started, tasks, what } = await forking({ pids: { limit } });
    const under = `a shell forking ${attempts} sleepers under pids.limit ${limit} ${what}`;
    expect(started, `sleepers started by ${under}`).toBeLessThan(attempts);
    expect(tasks, `processes in the container after ${under}`).toBeLessThanOrEqual(limit);
    expectDefaultsDiffer(ctx, v, 'pids.limit', { [key]: '37' });
    // The control of the enforcement: the same forks in a container without a pids limit all start.
    const control = await forking({});
    expectControlsDiffer(`a shell forking ${attempts} sleepers without pids.limit ${control.what}`, { 'all sleepers started': false }, { 'all sleepers started': control.started === attempts });
  });

  requirement('linux.resources.blkio-weight', 'blockIO.weight sets the cgroup\'s IO weight', async (ctx) => {
    const v = await view(ctx);
    // Not 500, CFQ's default blkio.weight, nor 100, BFQ's and io.weight's: a weight no cgroup has by default.
    const weight = 300;
    let key: string;
    let expected: string;
    if (v.version === 1) {
      requireController(ctx, v, 'blkio');
      // With BFQ the kernel has blkio.bfq.weight instead of CFQ's blkio.weight: the same weight.
      key = ['blkio/blkio.weight', 'blkio/blkio.bfq.weight'].find((k) => v.files[k] !== undefined)
        ?? ctx.skip('no IO weight in the container\'s cgroup (cgroup v1): blkio.weight and blkio.bfq.weight are absent (no CFQ or BFQ scheduler)');
      expected = String(weight);
    } else {
      requireController(ctx, v, 'io');
      if (v.files['io.bfq.weight'] !== undefined) {
        [key, expected] = ['io.bfq.weight', `default ${weight}`];
      } else {
        // io.weight spans [1, 10000] where blkio.weight spanned [10, 1000].
        key = fileIn(ctx, v, { controller: 'io', v1: 'blkio.weight', v2: 'io.weight' });
        expected = `default ${1 + Math.floor(((weight - 10) * 9999) / 990)}`;
      }
    }
    const files = await limited(ctx, { blockIO: { weight } });
    expect(files[key], `${key} with blockIO.weight ${weight}`).toBe(expected);
    expectDefaultsDiffer(ctx, v, 'blockIO.weight', { [key]: expected });
  });

  requirement('linux.resources.blkio-throttle', 'blockIO throttle entries set per-device bandwidth and IOPS limits', async (ctx) => {
    const v = await view(ctx);
    // v2 has all of a device's limits on one io.max line; v1 a file per kind of limit.
    const keys = v.version === 2
      ? [fileIn(ctx, v, { controller: 'io', v1: 'blkio.throttle.read_bps_device', v2: 'io.max' })]
      : [fileIn(ctx, v, { controller: 'blkio', v1: 'blkio.throttle.read_bps_device', v2: 'io.max' }), fileIn(ctx, v, { controller: 'blkio', v1: 'blkio.throttle.write_iops_device', v2: 'io.max' })];
    const device = await blockDevice(ctx);
    const [major, minor] = device.split(':').map(Number) as [number, number];
    const files = await limited(ctx, { blockIO: {
      throttleReadBpsDevice: [{ major, minor, rate: 1048576 }],
      throttleWriteIOPSDevice: [{ major, minor, rate: 120 }],
    } });
    const expected = v.version === 2 ? [`${device} rbps=1048576 wbps=max riops=max wiops=120`] : [`${device} 1048576`, `${device} 120`];
    const wanted = Object.fromEntries(keys.map((k, i) => [k, expected[i]]));
    expect(Object.fromEntries(keys.map((k) => [k, files[k]])), `throttle files with blockIO throttleReadBpsDevice ${device} 1048576 and throttleWriteIOPSDevice ${device} 120`)
      .toEqual(wanted);
    expectDefaultsDiffer(ctx, v, 'blockIO throttle entries', wanted);
  });

  requirement('linux.resources.hugepage-limits', 'hugepageLimits limits HugeTLB use per page size', async (ctx) => {
    const v = await view(ctx);
    const kiB = await smallestHugePage(ctx);
    const size = hugetlbName(kiB);
    const key = fileIn(ctx, v, { controller: 'hugetlb', v1: `hugetlb.${size}.limit_in_bytes`, v2: `hugetlb.${size}.max` });
    // The spec prefers the reservation limit where the kernel has one: either file may hold it.
    const rsvd = key.replace(/\.(limit_in_bytes|max)$/, '.rsvd.$1');
    const limit = 4 * kiB * 1024;
    const files = await limited(ctx, { hugepageLimits: [{ pageSize: size, limit }] });
    const seen = { [key]: files[key], [rsvd]: files[rsvd] };
    expect(Object.values(seen), `${key} or ${rsvd} with hugepageLimits [{pageSize: ${size}, limit: ${limit}}]: ${JSON.stringify(seen)}`).toContain(String(limit));
    const holding = Object.keys(seen).find((k) => seen[k] === String(limit))!;
    expectDefaultsDiffer(ctx, v, 'hugepageLimits', { [holding]: String(limit) });
  });

  requirement('linux.resources.network', 'network.classID sets the cgroup\'s net_cls class id', async (ctx) => {
    const v = await view(ctx);
    if (v.version === 2) ctx.skip('network (net_cls and net_prio) exists on cgroup v1 only: this container sees cgroup v2');
    const key = fileIn(ctx, v, { controller: 'net_cls', v1: 'net_cls.classid', v2: 'net_cls.classid' });
    const files = await limited(ctx, { network: { classID: 1048577 } });
    expect(files[key], `${key} with network.classID 1048577`).toBe('1048577');
    expectDefaultsDiffer(ctx, v, 'network.classID', { [key]: '1048577' });
  });

  /**
   * Device nodes of a major no driver registers (63, "local/experimental use"), so opening one
   * is harmless: the device controller answers first (EPERM when denied), and only an allowed
   * open reaches the missing driver (ENXIO).
   */
  const MAJOR = 63;
  const NODES = [0, 1, 2].map((minor) => ({ path: `/dev/rtc-dev${minor}`, type: 'c', major: MAJOR, minor, fileMode: 0o666, uid: 0, gid: 0 }));
  type Access = { read: string; write: string };

  /** Whether the container may open each node for reading and for writing, under `rules`. */
  const deviceAccess = async (ctx: RuntimeTestContext, rules: NonNullable<LinuxResources['devices']>): Promise<Record<string, Access>> => {
    skipIfLimited(ctx, 'noCgroups');
    const v = await readCgroups(ctx);
    // cgroup v2 controls devices with BPF programs, not a controller listed in cgroup.controllers.
    if (v.version === 1) requireController(ctx, v, 'devices');
    const b = await ctx.bundle((c) => c.shell(OPEN_DEVICES(NODES.map((n) => n.path))).resources({ devices: rules })
      .edit((config) => void (config.linux!.devices = NODES)));
    const { exitCode } = await ctx.runtime.run(ctx.id, { bundle: b.dir, stdio: b.stdio, timeoutMs: 30_000 });
    const output = await b.output();
    expect(exitCode, `the device check's exit code (stderr: ${await b.errorOutput()})`).toBe(0);
    return Object.fromEntries(output.trim().split('\n').map((line) => {
      const [path = '', read = '', write = ''] = line.split(' ');
      return [path, { read, write }];
    }));
  };

  requirement('linux.resources.devices', 'device rules allow and deny read and write by type, major and minor', async (ctx) => {
    const denyAll = { allow: false, access: 'rwm' };
    const access = await deviceAccess(ctx, [
      denyAll,
      { allow: true, type: 'c', major: MAJOR, minor: 0, access: 'r' },
      { allow: true, type: 'c', major: MAJOR, minor: 1, access: 'rw' },
    ]);
    const expected = {
      '/dev/rtc-dev0': { read: 'allowed', write: 'denied' },
      '/dev/rtc-dev1': { read: 'allowed', write: 'allowed' },
      '/dev/rtc-dev2': { read: 'denied', write: 'denied' },
    };
    expect(access, `access to c ${MAJOR}:0 (allowed r), ${MAJOR}:1 (allowed rw) and ${MAJOR}:2 (denied)`).toEqual(expected);
    // The control: the rule that denies all alone, without the rules that allow. 63:2 is left
    // out: it is denied by that rule, as by the runtimes' own default (runc and crun deny a device
    // no rule allows), so no control without it could read otherwise.
    const control = await deviceAccess(another(ctx), [denyAll]);
    expectControlsDiffer(`access to c ${MAJOR}:0 and ${MAJOR}:1 with only the rule that denies all`,
      { '/dev/rtc-dev0': expected['/dev/rtc-dev0'], '/dev/rtc-dev1': expected['/dev/rtc-dev1'] }, control);
  });

  requirement('linux.resources.devices-order', 'a later device rule wins over an earlier one for the same device', async (ctx) => {
    const base = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: MAJOR, minor: 0, access: 'rw' }];
    // Two rules each for 63:1 and 63:2, in the order the test gives them.
    const pairs = [
      // Allowed, then write denied: read only.
      [{ allow: true, type: 'c', major: MAJOR, minor: 1, access: 'rw' }, { allow: false, type: 'c', major: MAJOR, minor: 1, access: 'w' }],
      // Denied, then read allowed: read only. In the other order each would end differently.
      [{ allow: false, type: 'c', major: MAJOR, minor: 2, access: 'rw' }, { allow: true, type: 'c', major: MAJOR, minor: 2, access: 'r' }],
    ];
    const access = await deviceAccess(ctx, [...base, ...pairs.flat()]);
    const expected = {
      '/dev/rtc-dev0': { read: 'allowed', write: 'allowed' },
      '/dev/rtc-dev1': { read: 'allowed', write: 'denied' },
      '/dev/rtc-dev2': { read: 'allowed', write: 'denied' },
    };
    expect(access, `access to c ${MAJOR}:0 (allowed rw), ${MAJOR}:1 (allowed rw, then w denied) and ${MAJOR}:2 (denied rw, then r allowed)`).toEqual(expected);
    // The control: each pair of rules the other way round, which must end otherwise.
    const control = await deviceAccess(another(ctx), [...base, ...pairs.flatMap((pair) => [...pair].reverse())]);
    expectControlsDiffer(`access to c ${MAJOR}:1 and ${MAJOR}:2 with each pair of rules the other way round`,
      { '/dev/rtc-dev1': expected['/dev/rtc-dev1'], '/dev/rtc-dev2': expected['/dev/rtc-dev2'] }, control);
  });
});

/** Prints `path read write` for each path, each as allowed, denied or the open's own error. */
const OPEN_DEVICES = (paths: string[]): string => `
verdict() { case "$1" in '' | *'No such device or address'*) echo allowed ;; *'Operation not permitted'*) echo denied ;; *) echo "$1" | tr ' ' _ ;; esac; }
for d in ${paths.join(' ')}; do
  r=$( (exec 3<"$d") 2>&1 ); w=$( (exec 3>"$d") 2>&1 )
  echo "$d $(verdict "$r") $(verdict "$w")"
done`;

/**
 * Behaviour of real runtimes that breaks a requirement, found by these suites and confirmed by
 * hand. A conformance run reports them as failures like any other. Only rtconform's own test
 * command (self-test mode) expects them to fail, so it stays green while still proving the
 * suites catch them; if a runtime fixes one, the self-test fails until the entry is removed.
 */
export interface KnownDeviation {
  runtime: string;
  requirement: string;
  /** The test title, as written in the suite. */
  test: string;
  reason: string;
}

export const knownDeviations: readonly KnownDeviation[] = [
  {
    runtime: 'runc',
    requirement: 'delete.not-stopped',
    test: 'delete of a created container fails and leaves it created',
    reason: 'runc 1.1 deletes a created container without --force: it kills the waiting init and removes it',
  },
  {
    runtime: 'crun',
    requirement: 'delete.not-stopped',
    test: 'delete of a created container fails and leaves it created',
    reason: 'crun 1.21 deletes a created container without --force, as runc does',
  },
  {
    runtime: 'crun',
    requirement: 'cli.exec.env',
    test: 'exec --env adds variables to the environment',
    reason: 'crun 1.21 exec --env replaces the environment instead of adding to it: PATH is lost, so `sh` is not found',
  },
  {
    runtime: 'runc',
    requirement: 'config.domainname',
    test: 'the container sees the configured domainname',
    reason: 'runc 1.1 ignores domainname (support came in runc 1.2)',
  },
  {
    runtime: 'runc',
    requirement: 'linux.cgroups.owner-delegated',
    test: 'on cgroup v2 with a cgroup namespace and a read-write mount, the cgroup belongs to the process user',
    reason: 'runc 1.1.15 (cgroup v2, private view) leaves the container\'s cgroup and its cgroup.procs, cgroup.threads and cgroup.subtree_control owned by uid 0 with process.user.uid 1234, a cgroup namespace and a read-write cgroup mount',
  },
  {
    runtime: 'crun',
    requirement: 'linux.cgroups.owner-delegated',
    test: 'on cgroup v2 with a cgroup namespace and a read-write mount, the cgroup belongs to the process user',
    reason: 'crun 1.21 (cgroup v2, private view) leaves the container\'s cgroup and its cgroup.procs, cgroup.threads and cgroup.subtree_control owned by uid 0 with process.user.uid 1234, a cgroup namespace and a read-write cgroup mount',
  },
  {
    runtime: 'runc',
    requirement: 'linux.resources.cpu-burst',
    test: 'cpu.burst sets the cgroup\'s CPU burst',
    reason: 'runc 1.1 ignores cpu.burst (its docs/spec-conformance.md lists it as not implemented): with quota 50000, period 100000 and burst 20000, cpu.cfs_burst_us stays 0 while the quota is set',
  },
  {
    runtime: 'runc',
    requirement: 'linux.resources.cpu-idle',
    test: 'cpu.idle 1 makes the cgroup SCHED_IDLE',
    reason: 'runc 1.1 ignores cpu.idle: with idle 1, the container cgroup\'s cpu.idle stays 0 (cgroup v1, kernel 6.18, which has the file)',
  },
  {
    runtime: 'runc',
    requirement: 'linux.personality',
    test: 'personality LINUX32 makes uname report the 32-bit machine',
    reason: 'runc 1.1 ignores linux.personality (support came in runc 1.2): uname -m stays x86_64 where `linux32 uname -m` says i686',
  },
  {
    runtime: 'runc',
    requirement: 'linux.seccomp.errno-ret-unsupported',
    test: 'errnoRet on an SCMP_ACT_KILL rule is an error and creates nothing',
    reason: 'runc 1.1 accepts errnoRet on an SCMP_ACT_KILL rule: create succeeds, and the rule kills (mkdir dies of SIGSYS, exit 159)',
  },
  {
    runtime: 'crun',
    requirement: 'config.process.cwd-relative-error',
    test: 'a relative process.cwd is an error',
    reason: 'crun 1.21 accepts "cwd": "tmp": create succeeds and the process starts in /tmp, resolved against the container root',
  },
  {
    runtime: 'runc',
    requirement: 'hooks.path-relative-error',
    test: 'a hook path that is not absolute makes create an error',
    reason: 'runc 1.1 accepts a relative hook path: create succeeds and runs the hook, resolved against the bundle directory',
  },
  {
    runtime: 'runc',
    requirement: 'hooks.poststart.called',
    test: 'poststart hooks run during start, not before',
    reason: 'runc 1.1 runs poststart hooks during create (state status "created"), before start is called',
  },
  {
    runtime: 'runc',
    requirement: 'hooks.start-container.failure',
    test: 'a failing startContainer hook makes start fail, and the container is destroyed',
    reason: 'runc 1.1 start exits 0 when a startContainer hook fails; the error goes only to the container\'s stderr and the container is left stopped, not destroyed',
  },
  {
    runtime: 'runc',
    requirement: 'hooks.poststart.failure-continues',
    test: 'a failing poststart hook only warns: start succeeds, the program runs on, the next hook runs',
    reason: 'runc 1.1 runs poststart hooks during create and treats a failing one as fatal: create fails ("error running hook #0") and the container is destroyed',
  },
  {
    runtime: 'runc',
    requirement: 'hooks.poststop.failure-continues',
    test: 'a failing poststop hook only warns: delete succeeds and the next hook runs',
    reason: 'runc 1.1 stops at the first failing poststop hook: delete exits 0 after logging the error, and the later poststop hooks never run',
  },
  {
    runtime: 'crun',
    requirement: 'hooks.path-relative-error',
    test: 'a hook path that is not absolute makes create an error',
    reason: 'crun 1.21 accepts a relative hook path: create succeeds and runs the hook, resolved against the bundle directory',
  },
  {
    runtime: 'crun',
    requirement: 'hooks.timeout-invalid',
    test: 'a hook timeout of zero makes create an error',
    reason: 'crun 1.21 accepts "timeout": 0 and runs the hook without a limit',
  },
  {
    runtime: 'crun',
    requirement: 'hooks.state-pid',
    test: 'the state pid is the runtime\'s view in runtime hooks and the container\'s view in container hooks',
    reason: 'crun 1.21 gives createContainer and startContainer hooks a state with "pid": 0 instead of the container process\'s pid in its namespace (1)',
  },
  {
    runtime: 'crun',
    requirement: 'hooks.state-stdin',
    test: 'every hook reads the container state as JSON on stdin',
    reason: 'crun 1.21 gives startContainer hooks a state with "bundle": "/" (and status "starting") instead of the bundle\'s path',
  },
  {
    runtime: 'crun',
    requirement: 'hooks.start-container.failure',
    test: 'a failing startContainer hook makes start fail, and the container is destroyed',
    reason: 'crun 1.21 start exits 0 when a startContainer hook fails; the error goes only to the container\'s stderr and the container is left stopped, not destroyed',
  },
  {
    runtime: 'runc',
    requirement: 'config.mounts.idmap',
    test: 'idmap mounts map file owners through the container\'s user namespace, or through the mount\'s own mappings',
    reason: 'runc 1.1 has no idmapped mounts (they came in runc 1.2): it passes idmap to the bind mount as data, which ignores it, so an on-disk 1:1 file shows as 65534:65534 through both idmap mounts, as through a plain bind',
  },
  {
    runtime: 'runc',
    requirement: 'config.mounts.idmap-without-mapping',
    test: 'idmap without mappings in a container without a user namespace is an error',
    reason: 'runc 1.1 accepts idmap on a bind mount of a container without a user namespace and starts it: the option is ignored (no idmapped mounts before runc 1.2)',
  },
  {
    runtime: 'runc',
    requirement: 'linux.rootfs-propagation',
    test: 'rootfsPropagation shared makes the root mount shared',
    reason: 'runc 1.1 applies rootfsPropagation to the mount tree before pivot_root and never to the new root: the container\'s / has no shared:N field with rootfsPropagation shared',
  },
  {
    runtime: 'runc',
    requirement: 'linux.rootfs-propagation',
    test: 'rootfsPropagation unbindable makes the root mount unbindable',
    reason: 'runc 1.1.5 refuses the config ("error preparing rootfs: mount <rootfs>:<rootfs>, flags: 0x5000: invalid argument": it cannot bind the rootfs onto itself once the tree is unbindable); runc 1.1.15 starts the container with / private',
  },
  {
    runtime: 'runc',
    requirement: 'linux.devices.path-conflict',
    test: 'a device whose path holds a regular file is an error',
    reason: 'runc 1.1 ignores EEXIST from mknod: with a regular file of the rootfs at a device\'s path, create succeeds and the path stays that regular file',
  },
  {
    runtime: 'crun',
    requirement: 'linux.devices.path-conflict',
    test: 'a device whose path holds a regular file is an error',
    reason: 'crun 1.21 creates the container although a regular file of the rootfs is at the device\'s path; the path stays that regular file',
  },
  {
    runtime: 'crun',
    requirement: 'config.mounts.option-propagation',
    test: 'shared, slave, private and unbindable give the mount that propagation',
    reason: 'crun 1.21, without rootfsPropagation, makes the whole mount tree private after mounting: a mount with shared, slave or unbindable shows none of them in mountinfo (with rootfsPropagation set, shared and unbindable stay)',
  },
  {
    runtime: 'crun',
    requirement: 'config.mounts.option-nosymfollow',
    test: 'nosymfollow: the mount is nosymfollow in mountinfo and symlinks on it are not followed',
    reason: 'crun 1.21 does not know nosymfollow (absent from the mountOptions of `crun features`): it passes it to the filesystem as data, so a tmpfs with it fails to mount ("mount `rtc-nosymfollow` to `rtc-nosymfollow`: Invalid argument") and a bind mount ignores it',
  },
  {
    runtime: 'runc',
    requirement: 'config.process.rlimits-duplicate',
    test: 'two rlimits of the same type are an error',
    reason: 'runc 1.1 accepts two RLIMIT_NOFILE entries and applies the last one (ulimit -n shows 256)',
  },
  {
    runtime: 'crun',
    requirement: 'config.process.rlimits-duplicate',
    test: 'two rlimits of the same type are an error',
    reason: 'crun 1.21 accepts two rlimits of the same type and creates the container',
  },
  {
    runtime: 'runc',
    requirement: 'config.process.scheduler',
    test: 'process.scheduler sets the policy and nice value',
    reason: 'runc 1.1 ignores process.scheduler (support came in runc 1.2): the process stays SCHED_OTHER with nice 0',
  },
  {
    runtime: 'runc',
    requirement: 'config.process.io-priority',
    test: 'process.ioPriority sets the I/O class and level',
    reason: 'runc 1.1 ignores process.ioPriority (support came in runc 1.2): ionice shows "none: prio 0"',
  },
  {
    runtime: 'runc',
    requirement: 'linux.namespaces.types-supported',
    test: 'one container gets new pid, network, mount, ipc, uts, user, cgroup and time namespaces',
    reason: 'runc 1.1 has no time namespaces (they came in runc 1.2): create fails with "namespace {"time" ""} does not exist"',
  },
  {
    runtime: 'crun',
    requirement: 'config.process.capabilities.unknown-warns',
    test: 'a capability the kernel does not know is named in a warning (or in the error, if the runtime refuses)',
    reason: 'crun 1.21 names an unknown capability only at debug level ("unknown cap: `CAP_…`" with --debug); at the default level it says nothing, in its log or on stderr, and drops the capability',
  },
  {
    runtime: 'crun',
    requirement: 'start.no-process',
    test: 'a config without process cannot be started: create or start refuses it',
    reason: 'crun 1.21 creates a container from a config without process, and start exits 0; the container is then stopped (its init prints "block `process` not found")',
  },
];

export function knownDeviation(runtime: string, requirement: string, test: string): KnownDeviation | undefined {
  return knownDeviations.find((d) => d.runtime === runtime && d.requirement === requirement && d.test === test);
}

export const SELF_TEST_ENV = 'RTCONFORM_SELF_TEST';

export function selfTestMode(): boolean {
  return process.env[SELF_TEST_ENV] === '1';
}

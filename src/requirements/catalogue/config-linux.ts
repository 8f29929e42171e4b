import { specDocument } from './define.js';

/**
 * config-linux.md. As in config.md, a field described without a keyword of its own is MUST
 * (runtime.md: the environment is created according to config.json). Resource settings are
 * checked in the container's cgroup, under the v1 or v2 name the host uses.
 */
export const configLinuxRequirements = specDocument('config-linux.md', [
  ['linux.default-filesystems', 'SHOULD', 'default-filesystems', 'The container has proc at /proc, sysfs at /sys, devpts at /dev/pts and tmpfs at /dev/shm.'],

  ['linux.namespaces.new-pid', 'MUST', 'namespaces', 'A pid entry without path puts the container in a new pid namespace: its process is pid 1 there.'],
  ['linux.namespaces.new-network', 'MUST', 'namespaces', 'A network entry without path gives the container a new network namespace, with only a loopback interface.'],
  ['linux.namespaces.new-mount', 'MUST', 'namespaces', 'A mount entry without path gives the container a new mount namespace: its mounts do not show on the host.'],
  ['linux.namespaces.new-ipc', 'MUST', 'namespaces', 'An ipc entry without path gives the container a new IPC namespace, not the runtime\'s.'],
  ['linux.namespaces.new-uts', 'MUST', 'namespaces', 'A uts entry without path gives the container a new UTS namespace: a hostname set inside leaves the host\'s alone.'],
  ['linux.namespaces.new-user', 'MUST', 'namespaces', 'A user entry without path gives the container a new user namespace.'],
  ['linux.namespaces.new-cgroup', 'MUST', 'namespaces', 'A cgroup entry without path gives the container a new cgroup namespace: its own cgroup shows as / in /proc/self/cgroup.'],
  ['linux.namespaces.new-time', 'MUST', 'namespaces', 'A time entry without path gives the container a new time namespace.', { since: '1.1.0' }],
  ['linux.namespaces.join-path', 'MUST', 'namespaces', 'A namespace entry with a path puts the container process in that existing namespace.'],
  ['linux.namespaces.wrong-type-path', 'MUST', 'namespaces', 'A namespace path that leads to a namespace of another type than the entry\'s is an error.'],
  ['linux.namespaces.inherit', 'MUST', 'namespaces', 'A namespace type not listed is shared: the container stays in the runtime\'s namespace of that type.'],
  ['linux.namespaces.duplicate', 'MUST', 'namespaces', 'Two namespace entries of the same type are an error.'],
  ['linux.namespaces.types-supported', 'SHOULD', 'namespaces', 'The runtime supports all eight namespace types: pid, network, mount, ipc, uts, user, cgroup and time.', { since: '1.1.0' }],

  ['linux.user-mappings.uid', 'MUST', 'user-namespace-mappings', 'In a new user namespace, /proc/self/uid_map holds the configured uidMappings.'],
  ['linux.user-mappings.gid', 'MUST', 'user-namespace-mappings', 'In a new user namespace, /proc/self/gid_map holds the configured gidMappings.'],
  ['linux.user-mappings.no-chown', 'SHOULD NOT', 'user-namespace-mappings', 'The runtime does not change the ownership of the rootfs or other referenced filesystems to realise the mappings.'],

  ['linux.time-offsets', 'MUST', 'offset-for-time-namespace', 'timeOffsets set the container\'s monotonic and boottime clock offsets, as /proc/self/timens_offsets shows.', { since: '1.1.0' }],

  ['linux.devices.created', 'MUST', 'devices', 'Each devices entry exists in the container at its path, with its type and major and minor numbers.'],
  ['linux.devices.mode-owner', 'MUST', 'devices', 'A device\'s fileMode, uid and gid are its permissions and owner inside the container.'],
  ['linux.devices.path-conflict', 'MUST', 'devices', 'A file already at a device\'s path that is not that device is an error.'],
  ['linux.devices.outside-dev', 'MAY', 'devices', 'A device path can lie outside /dev, anywhere in the container\'s filesystem.', { since: '1.1.0' }],
  ['linux.default-devices.present', 'MUST', 'default-devices', '/dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom and /dev/tty exist in every container, as those char devices.'],
  ['linux.default-devices.ptmx', 'MUST', 'default-devices', '/dev/ptmx exists and is the container\'s /dev/pts/ptmx, by bind mount or symlink.'],
  ['linux.default-devices.console', 'MUST', 'default-devices', 'With terminal true, /dev/console is the process\'s pseudoterminal, bind-mounted.'],

  ['linux.cgroups.path-absolute', 'MUST', 'cgroups-path', 'An absolute cgroupsPath places the container at that path below the cgroup mount point.'],
  ['linux.cgroups.path-consistent', 'MUST', 'cgroups-path', 'The same cgroupsPath always lands at the same place in the cgroup hierarchy.'],
  ['linux.cgroups.owner-delegated', 'SHOULD', 'cgroup-ownership', 'On cgroup v2, with a new cgroup namespace and /sys/fs/cgroup mounted read-write, the container\'s cgroup and its delegatable files belong to the host uid of process.user.uid.', { since: '1.1.0' }],
  ['linux.cgroups.owner-unchanged', 'SHOULD NOT', 'cgroup-ownership', 'Otherwise (cgroup v1, no new cgroup namespace, or a read-only cgroup mount) the runtime leaves the ownership of the container\'s cgroup alone.', { since: '1.1.0' }],

  ['linux.resources.devices', 'MUST', 'allowed-device-list', 'A devices rule allows or denies read, write and mknod of the devices it matches by type, major and minor.'],
  ['linux.resources.devices-order', 'MUST', 'allowed-device-list', 'Device rules apply in the order listed: a later rule wins over an earlier one for the devices both match.'],
  ['linux.resources.memory-limit', 'MUST', 'memory', 'memory.limit is the container cgroup\'s memory limit in bytes (memory.max on cgroup v2).'],
  ['linux.resources.memory-reservation', 'MUST', 'memory', 'memory.reservation is the cgroup\'s soft memory limit (memory.low on cgroup v2).'],
  ['linux.resources.memory-limit-enforced', 'MUST', 'memory', 'memory.limit holds for the container\'s processes: one that allocates past it does not get the memory (the kernel\'s OOM killer ends it).'],
  ['linux.resources.memory-swap', 'MUST', 'memory', 'memory.swap limits memory plus swap (on cgroup v2 memory.swap.max holds swap minus limit).'],
  ['linux.resources.cpu-shares', 'MUST', 'cpu', 'cpu.shares sets the cgroup\'s relative CPU weight (cpu.weight on cgroup v2, converted).'],
  ['linux.resources.cpu-quota-period', 'MUST', 'cpu', 'cpu.quota and cpu.period set the cgroup\'s CPU bandwidth limit (cpu.max on cgroup v2).'],
  ['linux.resources.cpu-burst', 'MUST', 'cpu', 'cpu.burst sets the cgroup\'s CPU burst (cpu.max.burst on cgroup v2).', { since: '1.1.0' }],
  ['linux.resources.cpu-idle', 'MUST', 'cpu', 'cpu.idle 1 makes the cgroup SCHED_IDLE (cpu.idle on cgroup v2).', { since: '1.1.0' }],
  ['linux.resources.cpuset-cpus', 'MUST', 'cpu', 'cpu.cpus restricts the container to those CPUs (cpuset.cpus).'],
  ['linux.resources.cpuset-mems', 'MUST', 'cpu', 'cpu.mems restricts the container to those memory nodes (cpuset.mems).'],
  ['linux.resources.pids-limit', 'MUST', 'pids', 'pids.limit is the cgroup\'s maximum number of tasks (pids.max): forks beyond it fail.'],
  ['linux.resources.blkio-weight', 'MUST', 'block-io', 'blockIO.weight sets the cgroup\'s IO weight (blkio.weight, or io.bfq.weight / io.weight on cgroup v2).'],
  ['linux.resources.blkio-throttle', 'MUST', 'block-io', 'blockIO throttle entries set per-device read and write limits in bytes and IOs per second (io.max on cgroup v2).'],
  ['linux.resources.hugepage-limits', 'MUST', 'huge-page-limits', 'Each hugepageLimits entry limits HugeTLB use of that page size (hugetlb.<size>.max, or its rsvd form).'],
  ['linux.resources.network', 'MUST', 'network', 'network.classID and priorities set net_cls.classid and net_prio.ifpriomap (cgroup v1 only).'],
  ['linux.unified.values', 'MUST', 'unified', 'Each unified key is written as given to that file of the container\'s cgroup, keys the runtime does not know included.', { since: '1.1.0' }],
  ['linux.unified.controllers-enabled', 'MUST', 'unified', 'The controllers the unified keys need are enabled for the container\'s cgroup.', { since: '1.1.0' }],
  ['linux.unified.missing-controller', 'MUST', 'unified', 'A unified key for a controller that is absent or cannot be enabled is an error.', { since: '1.1.0' }],
  ['linux.intel-rdt.no-resctrl', 'MUST', 'intelrdt', 'intelRdt set while no resctrl filesystem is mounted is an error.'],
  ['linux.intel-rdt.untouched', 'MUST NOT', 'intelrdt', 'Without intelRdt the runtime does not touch any resctrl filesystem.'],

  ['linux.sysctl', 'MUST', 'sysctl', 'Each sysctl entry is set to its value inside the container (e.g. net.* in its network namespace).'],

  ['linux.seccomp.default-action', 'MUST', 'seccomp', 'A syscall no rule matches gets seccomp.defaultAction.'],
  ['linux.seccomp.syscall-action', 'MUST', 'seccomp', 'A syscall named in a rule gets that rule\'s action (e.g. SCMP_ACT_ERRNO makes it fail).'],
  ['linux.seccomp.errno-ret', 'MUST', 'seccomp', 'A rule\'s errnoRet is the error its syscalls return; EPERM when unset.', { since: '1.1.0' }],
  ['linux.seccomp.default-errno-ret', 'MUST', 'seccomp', 'defaultErrnoRet is the error unmatched syscalls return under an errno default action; EPERM when unset.', { since: '1.1.0' }],
  ['linux.seccomp.errno-ret-unsupported', 'MUST', 'seccomp', 'An errnoRet on an action that returns no errno (e.g. SCMP_ACT_KILL) is an error.', { since: '1.1.0' }],
  ['linux.seccomp.args', 'MUST', 'seccomp', 'A rule with args matches only calls whose arguments meet every condition (index, value, op).'],
  ['linux.seccomp.notify-state', 'MUST', 'seccomp', 'With SCMP_ACT_NOTIFY, the runtime sends one container process state (JSON, seccomp fd by SCM_RIGHTS) per connection to listenerPath, then closes it.', { since: '1.1.0' }],
  ['linux.seccomp.notify-send-error', 'MUST', 'seccomp', 'If the state cannot be sent to listenerPath (nothing listens there), it is an error.', { since: '1.1.0' }],

  ['linux.rootfs-propagation', 'MUST', 'rootfs-mount-propagation', 'rootfsPropagation gives the container\'s root mount that propagation: shared, slave, private or unbindable.'],
  ['linux.masked-paths.unreadable', 'MUST', 'masked-paths', 'Each maskedPaths entry cannot be read inside the container: it reads as empty or access is refused.'],
  ['linux.readonly-paths.read-only', 'MUST', 'readonly-paths', 'Each readonlyPaths entry is read-only inside the container.'],
  ['linux.mount-label', 'MUST', 'mount-label', 'mountLabel is the SELinux context of the container\'s mounts.'],
  ['linux.personality', 'MUST', 'personality', 'personality.domain LINUX32 makes uname report a 32-bit machine inside the container.', { since: '1.0.2' }],
]);

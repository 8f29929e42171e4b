import { specDocument } from './define.js';

/**
 * config.md: root, mounts, process, hostname, hooks, annotations, extensibility.
 *
 * Levels: a field the spec describes without a keyword of its own ("hostname specifies the
 * container's hostname") is MUST, because runtime.md's lifecycle requires the environment to be
 * created according to config.json. A rule addressed to config authors ("path MUST be absolute")
 * is listed only as the runtime behaviour it implies: config.md's "Valid values" makes the
 * runtime reject the invalid value.
 */
export const configRequirements = specDocument('config.md', [
  ['config.root.path-absolute', 'MUST', 'root', 'An absolute root.path is used as the root filesystem, even when it lies outside the bundle.'],
  ['config.root.missing-error', 'MUST', 'root', 'create is an error when no directory exists at root.path.'],
  ['config.root.readonly', 'MUST', 'root', 'With root.readonly true the root filesystem is read-only inside the container: writes to it fail.'],
  ['config.root.writable-by-default', 'MUST', 'root', 'Without root.readonly (it defaults to false) the root filesystem is writable inside the container.'],

  ['config.mounts.applied', 'MUST', 'mounts', 'Each mounts entry appears at its destination inside the container, with its type and source.'],
  ['config.mounts.order', 'MUST', 'mounts', 'Mounts are made in the order listed: a later mount at or above an earlier one\'s destination covers it.'],
  ['config.mounts.relative-destination', 'MUST', 'mounts', 'A relative mount destination (deprecated) is taken as relative to the container\'s /.', { since: '1.2.0' }],
  ['config.mounts.bind-relative-source', 'MUST', 'mounts', 'A relative bind-mount source is taken from the bundle directory.'],
  ['config.mounts.bind', 'MUST', 'linux-mount-options', 'A mount with the bind option shows the source\'s content at the destination; writes through it reach the source.'],
  ['config.mounts.rbind', 'MUST', 'linux-mount-options', 'A mount with the rbind option also brings the mounts beneath its source.'],
  ['config.mounts.option-ro', 'MUST', 'linux-mount-options', 'The ro option makes the mount read-only: ro in mountinfo, writes fail.'],
  ['config.mounts.option-nosuid', 'MUST', 'linux-mount-options', 'The nosuid option shows as nosuid on the mount: set-user-id bits there are ignored.'],
  ['config.mounts.option-nodev', 'MUST', 'linux-mount-options', 'The nodev option shows as nodev on the mount: device nodes there cannot be opened.'],
  ['config.mounts.option-noexec', 'MUST', 'linux-mount-options', 'The noexec option shows as noexec on the mount: programs there cannot be executed.'],
  ['config.mounts.option-atime', 'MUST', 'linux-mount-options', 'The atime options (noatime, relatime, strictatime, nodiratime) show as the matching flags on the mount.'],
  ['config.mounts.option-propagation', 'MUST', 'linux-mount-options', 'The propagation options (private, shared, slave, unbindable and their r forms) give the mount that propagation, as mountinfo shows.'],
  ['config.mounts.option-recursive', 'SHOULD', 'linux-mount-options', 'The recursive options (rro, rnosuid, rnoexec, rnodev, …) apply to the mount and every mount beneath it.', { since: '1.1.0' }],
  ['config.mounts.option-nosymfollow', 'SHOULD', 'linux-mount-options', 'The nosymfollow option shows on the mount: symlinks there are not followed.', { since: '1.1.0' }],
  ['config.mounts.fs-specific-options', 'SHOULD', 'linux-mount-options', 'Options the table does not list (e.g. size= and mode= on tmpfs) reach the filesystem as mount data and take effect.'],
  ['config.mounts.idmap', 'SHOULD', 'linux-mount-options', 'A mount with idmap or ridmap is id-mapped, through the mount\'s own uid/gid mappings when it has them.', { since: '1.2.0' }],
  ['config.mounts.idmap-without-mapping', 'MUST', 'linux-mount-options', 'idmap or ridmap on a mount without mappings, in a container without a user namespace, is an error.', { since: '1.2.0' }],

  ['config.process.args', 'MUST', 'process', 'The container process runs with exactly process.args as its argv.'],
  ['config.process.args-path', 'MUST', 'process', 'args[0] without a slash is looked up through PATH, as execvp looks up its file argument.'],
  ['config.process.env', 'MUST', 'process', 'Every process.env entry is in the process environment, with its value.'],
  ['config.process.cwd', 'MUST', 'process', 'The process starts in process.cwd.'],
  ['config.process.cwd-relative-error', 'MUST', 'process', 'A relative process.cwd is invalid: create is an error.'],
  ['config.process.terminal', 'MUST', 'process', 'With terminal true the process\'s stdin, stdout and stderr are a pseudoterminal; without it they are not a terminal.'],
  ['config.process.console-size', 'MUST', 'process', 'With terminal true, consoleSize sets the terminal\'s rows and columns.'],
  ['config.process.console-size-ignored', 'MUST', 'process', 'consoleSize is ignored when terminal is false or unset: the container runs as without it.'],
  ['config.process.rlimits', 'MUST', 'posix-process', 'Each rlimits entry sets the soft and hard limit of its type to the configured values, as getrlimit shows.'],
  ['config.process.rlimits-invalid', 'MUST', 'posix-process', 'An rlimit type the kernel has no limit for (e.g. RLIMIT_FOO) is an error.'],
  ['config.process.rlimits-duplicate', 'MUST', 'posix-process', 'Two rlimits entries of the same type are an error.'],
  ['config.process.user', 'MUST', 'posix-platform-user', 'The process runs as user.uid and user.gid, in the container\'s user namespace.'],
  ['config.process.additional-gids', 'MUST', 'posix-platform-user', 'The process\'s supplementary groups include every gid of user.additionalGids.'],
  ['config.process.umask', 'MUST', 'posix-platform-user', 'user.umask is the umask of the process.', { since: '1.0.2' }],
  ['config.process.capabilities.effective', 'MUST', 'linux-process', 'The process\'s effective capability set is exactly capabilities.effective.'],
  ['config.process.capabilities.bounding', 'MUST', 'linux-process', 'The process\'s bounding capability set is exactly capabilities.bounding.'],
  ['config.process.capabilities.inheritable', 'MUST', 'linux-process', 'The process\'s inheritable capability set is exactly capabilities.inheritable.'],
  ['config.process.capabilities.permitted', 'MUST', 'linux-process', 'The process\'s permitted capability set is exactly capabilities.permitted.'],
  ['config.process.capabilities.ambient', 'MUST', 'linux-process', 'The process\'s ambient capability set is exactly capabilities.ambient.'],
  // Until 1.0.2 an unknown capability was an error; 1.1.0 made it a warning (the two below).
  ['config.process.capabilities.unknown-error', 'MUST', 'linux-process', 'A capability that cannot be mapped to a kernel interface (e.g. CAP_NOT_REAL) makes create an error.', { until: '1.0.2' }],
  ['config.process.capabilities.unknown-warns', 'MUST', 'linux-process', 'A capability the runtime cannot map or grant (e.g. CAP_NOT_REAL) is reported as a warning.', { since: '1.1.0' }],
  ['config.process.capabilities.unknown-no-fail', 'SHOULD NOT', 'linux-process', 'Create and start do not fail because a requested capability is unknown or cannot be granted.', { since: '1.1.0' }],
  ['config.process.no-new-privileges', 'MUST', 'linux-process', 'With noNewPrivileges true the process has no_new_privs set (NoNewPrivs: 1 in /proc/self/status).'],
  ['config.process.oom-score-adj', 'MUST', 'linux-process', 'With oomScoreAdj set, the process\'s /proc/self/oom_score_adj holds that value.'],
  ['config.process.oom-score-adj-unset', 'MUST NOT', 'linux-process', 'Without oomScoreAdj, the runtime leaves oom_score_adj alone: the process has the value it inherited.'],
  ['config.process.apparmor-profile', 'MUST', 'linux-process', 'With apparmorProfile set, the process runs confined by that AppArmor profile.'],
  ['config.process.selinux-label', 'MUST', 'linux-process', 'With selinuxLabel set, the process runs with that SELinux label.'],
  ['config.process.scheduler', 'MUST', 'linux-process', 'process.scheduler sets the scheduling policy, nice value and priority of the process.', { since: '1.1.0' }],
  ['config.process.io-priority', 'MUST', 'linux-process', 'process.ioPriority sets the I/O scheduling class and level of the container\'s processes.', { since: '1.1.0' }],

  ['config.hostname', 'MUST', 'hostname', 'Processes in the container see hostname as the host name (uname -n).'],
  ['config.domainname', 'MUST', 'domainname', 'Processes in the container see domainname as the NIS domain name.', { since: '1.1.0' }],

  ['hooks.order', 'MUST', 'posix-platform-hooks', 'Hooks of one kind run one after another, in the order listed.'],
  ['hooks.state-stdin', 'MUST', 'posix-platform-hooks', 'Every hook reads the container\'s state, as JSON, on its stdin.'],
  ['hooks.args-env', 'MUST', 'posix-platform-hooks', 'A hook runs its path with exactly its args as argv and its env as environment, as execv does.'],
  ['hooks.path-relative-error', 'MUST', 'posix-platform-hooks', 'A hook path that is not absolute is invalid: create is an error.'],
  ['hooks.timeout-aborts', 'MUST', 'posix-platform-hooks', 'A hook still running after its timeout (seconds) is aborted.'],
  ['hooks.timeout-invalid', 'MUST', 'posix-platform-hooks', 'A hook timeout of zero or less is invalid: create is an error.'],
  ['hooks.prestart.called', 'MUST', 'prestart', 'prestart hooks run during create, once the environment exists and before pivot_root.', { since: '1.1.0' }],
  ['hooks.prestart.before-create-runtime', 'MUST', 'prestart', 'prestart hooks run before the createRuntime hooks.', { since: '1.0.2' }],
  ['hooks.prestart.runtime-namespace', 'MUST', 'prestart', 'prestart hooks run in the runtime\'s namespaces, their path resolved there.', { since: '1.0.2' }],
  ['hooks.create-runtime.called', 'MUST', 'createruntime-hooks', 'createRuntime hooks run during create, once the environment exists and before pivot_root.', { since: '1.0.2' }],
  ['hooks.create-runtime.runtime-namespace', 'MUST', 'createruntime-hooks', 'createRuntime hooks run in the runtime\'s namespaces, their path resolved there.', { since: '1.0.2' }],
  ['hooks.create-container.called', 'MUST', 'createcontainer-hooks', 'createContainer hooks run during create, after the container\'s mounts are set up and before pivot_root.', { since: '1.0.2' }],
  ['hooks.create-container.after-create-runtime', 'MUST', 'createcontainer-hooks', 'createContainer hooks run after the createRuntime hooks.', { since: '1.0.2' }],
  ['hooks.create-container.container-namespace', 'MUST', 'createcontainer-hooks', 'createContainer hooks run in the container\'s namespaces, their path resolved in the runtime\'s.', { since: '1.0.2' }],
  ['hooks.start-container.called', 'MUST', 'startcontainer-hooks', 'startContainer hooks run during start, before the user program is executed.', { since: '1.0.2' }],
  ['hooks.start-container.container-namespace', 'MUST', 'startcontainer-hooks', 'startContainer hooks run in the container\'s namespaces, their path resolved inside the container.', { since: '1.0.2' }],
  ['hooks.poststart.called', 'MUST', 'poststart', 'poststart hooks run after the user program has started and before start returns.'],
  ['hooks.poststart.runtime-namespace', 'MUST', 'poststart', 'poststart hooks run in the runtime\'s namespaces, their path resolved there.', { since: '1.0.2' }],
  ['hooks.poststop.called', 'MUST', 'poststop', 'poststop hooks run after the container is deleted and before delete returns.'],
  ['hooks.poststop.runtime-namespace', 'MUST', 'poststop', 'poststop hooks run in the runtime\'s namespaces, their path resolved there.', { since: '1.0.2' }],

  ['config.annotations.unknown-keys', 'MUST', 'annotations', 'Annotation keys the runtime does not know are accepted like any unknown property: create does not fail.'],
  ['config.extensibility.unknown-property', 'MUST', 'extensibility', 'Properties in config.json that the runtime does not know are ignored: create does not fail.'],
  ['config.valid-values.error', 'MUST', 'valid-values', 'An invalid or unsupported value (e.g. an unknown namespace type) makes create an error.'],
]);

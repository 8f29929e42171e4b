/**
 * Requirements that no real runtime rtconform has judged passes: each runtime deviates the same
 * way, on purpose or by long habit. A test nobody passes is a suspect test until someone shows
 * why; these were each reproduced by hand (runc 1.1.5, 1.1.15, 1.3.6; crun 1.21, 1.28; runsc
 * 20221219), and the declarations of runc and crun name them too. Each note quotes the spec and says what the
 * runtimes do instead.
 */
export interface SharedDeviation {
  /** The rule's words: runtime-spec v1.0.2 through v1.3.0, or for a runc CLI rule its man page. */
  spec: string;
  /** What the runtimes do instead. */
  runtimes: string;
}

export const SHARED_DEVIATIONS: Readonly<Record<string, SharedDeviation>> = {
  'config.process.rlimits-duplicate': {
    spec: 'config.md: "If `rlimits` contains duplicated entries with same `type`, the runtime MUST generate an error."',
    runtimes: 'runc and crun accept two RLIMIT_NOFILE entries and apply the last one; runsc accepts them too. None validates rlimits for duplicates.',
  },
  'delete.not-stopped': {
    spec: 'runtime.md: "Attempting to `delete` a container that is not `stopped` MUST have no effect on the container and MUST generate an error."',
    runtimes: 'runc, crun and runsc refuse a running container but delete a created one without --force, killing its waiting init (runc delete.go: `case libcontainer.Created: return killContainer(container)`; crun: "If the container is in created state, then do the equivalent of delete --force").',
  },
  'hooks.start-container.failure': {
    spec: 'runtime.md: "If any `startContainer` hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12."',
    runtimes: 'runc and crun start exit 0: the hook\'s error goes only to the container\'s stderr, and the container is left stopped, not destroyed; runsc never runs startContainer hooks.',
  },
  'linux.devices.path-conflict': {
    spec: 'config-linux.md: "If a file already exists at `path` that does not match the requested device, the runtime MUST generate an error."',
    runtimes: 'runc ignores EEXIST from mknod (rootfs_linux.go createDeviceNode), crun and runsc create the container all the same: the path stays the regular file the rootfs had.',
  },
  'cli.restore.shell-job': {
    spec: 'runc-restore(8) 1.1.15: "--shell-job: Allow checkpoint/restore of shell jobs." (runc-checkpoint(8) the same): a checkpoint taken with it restores with it.',
    runtimes: 'both ask CRIU for an orphan pts master whatever the config says: runc then sends it to a --console-socket it refuses without process.terminal ("sendmsg: bad file descriptor"), crun\'s restore crashes CRIU 4.1.1 and 4.2.1 ("BUG at criu/mount.c"); runsc 20221219 has no --shell-job at all.',
  },
};

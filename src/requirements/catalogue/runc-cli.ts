import { runcManPage } from './define.js';

/**
 * The runc command-line contract (runc's man pages) that containerd, cri-o and every
 * runc-compatible runtime rely on, beyond what the spec's abstract operations say.
 */
export const runcCliRequirements = [
  ...runcManPage('runc-exec.8.md', [
    ['cli.exec.exit-code', 'MUST', 'Exec exits with the exit code of the executed process.'],
    ['cli.exec.stdio', 'MUST', 'Exec passes the process stdout and stderr through, separately.'],
    ['cli.exec.stdin', 'MUST', 'Exec passes its stdin to the process as it comes: the process reads each piece while it runs, then end of file.'],
    ['cli.exec.env', 'SHOULD', 'Exec --env adds variables to the process environment.'],
    ['cli.exec.cwd', 'SHOULD', 'Exec --cwd sets the working directory of the process.'],
    ['cli.exec.user', 'SHOULD', 'Exec --user runs the process as the uid and gid given (uid:gid).'],
    ['cli.exec.process-file', 'SHOULD', 'Exec --process runs the process described by a process.json.'],
    ['cli.exec.stopped', 'MUST', 'Exec into a stopped container is an error.'],
    ['cli.exec.tty', 'SHOULD', 'Exec --tty gives the process a terminal on stdin, stdout and stderr, sent to --console-socket as for create.'],
    ['cli.exec.detach', 'SHOULD', 'Exec --detach returns once the process has started, and --pid-file holds its pid, one of those ps lists.'],
    // CRI's ExecSync with a timeout, as cri-o and containerd do it: the exec'd process is killed
    // by the pid --pid-file names (or through the runtime's own kill where it declares one).
    ['cli.exec.timeout', 'SHOULD', 'An exec whose process outlives its caller\'s timeout can be ended: its process, named by --pid-file, is killed, the exec returns with the output printed until then, and no process of it is left in the container.'],
  ]),
  ...runcManPage('runc-create.8.md', [
    ['cli.create.console-socket', 'MUST', 'With terminal true, the master end create sends to --console-socket is the process\'s terminal: what is written to it, the process reads; what the process writes comes out of it.'],
    ['cli.create.preserve-fds', 'SHOULD', 'create and run --preserve-fds N pass the runtime\'s own descriptors 3 to 2+N on to the container process, open.'],
    ['cli.create.pid-file', 'SHOULD', 'create --pid-file writes the pid of the container process, as state reports it, to the file.'],
    // What a monitor (cri-o's conmon, containerd's shim) relies on: it calls create as a
    // subreaper and becomes the parent of the container's process once the runtime exits.
    ['cli.create.monitor-exit-code', 'MUST', 'The process of a detached container becomes the child of the subreaper that called create (a monitor), which sees the exit code the process returned.'],
    ['cli.create.monitor-signal', 'MUST', 'A detached container\'s process ended by a signal is seen by its monitor as ended by that signal.'],
    ['cli.create.monitor-oom', 'SHOULD', 'A detached container\'s process the OOM killer ends is seen by its monitor as OOM-killed: the runtime puts it in the memory cgroup the monitor watches, where the kernel reports the kill (cri-o\'s OOMKilled comes from conmon\'s oom file).'],
    ['cli.create.monitor-stdio', 'MUST', 'A detached container\'s stdout and stderr are those its creator gave create: a monitor holding them gets each line on its own stream.'],
  ]),
  ...runcManPage('runc-kill.8.md', [
    ['cli.kill.signal-forms', 'SHOULD', 'Kill accepts a signal by name, with or without SIG, and by number.'],
    ['cli.kill.all', 'SHOULD', 'Kill --all signals every process in the container.'],
    // CRI's StopContainer: the stop signal, a grace period, then SIGKILL.
    ['cli.kill.stop-escalation', 'SHOULD', 'A container whose process ignores SIGTERM is still running after kill TERM and a grace period, and kill KILL then stops it.'],
  ]),
  ...runcManPage('runc-delete.8.md', [
    ['cli.delete.force', 'SHOULD', 'Delete --force removes a running container and its processes.'],
  ]),
  ...runcManPage('runc-pause.8.md', [
    ['cli.pause.freezes', 'SHOULD', 'Pause freezes every process of the container; status becomes paused.'],
  ]),
  ...runcManPage('runc-resume.8.md', [
    ['cli.resume.thaws', 'SHOULD', 'Resume lets a paused container run again; status becomes running.'],
  ]),
  ...runcManPage('runc-pause.8.md', [
    ['cli.pause.stopped', 'SHOULD', 'Pause of a stopped container is an error.'],
  ]),
  ...runcManPage('runc-ps.8.md', [
    ['cli.ps.pids', 'SHOULD', 'ps --format json lists the pids of the container, its init included.'],
  ]),
  ...runcManPage('runc-events.8.md', [
    ['cli.events.stats-json', 'SHOULD', 'events --stats prints exactly one JSON record, of type stats, for the container asked about.'],
    ['cli.events.cpu-grows', 'SHOULD', 'The CPU time events --stats reports grows while the container keeps a CPU busy.'],
    ['cli.events.memory', 'SHOULD', 'events --stats reports a memory usage above zero for a running container.'],
    ['cli.events.oom', 'SHOULD', 'events reports an oom event when a process of the container is killed for passing its memory limit.'],
    ['cli.events.memory-failcnt', 'SHOULD', 'events --stats counts the times the container\'s memory usage hit its limit (memory.usage.failcnt) once it has.'],
    ['cli.events.pids-match-ps', 'SHOULD', 'With only single-threaded processes, the pid count of events --stats is the number of pids ps lists.'],
    ['cli.events.stream', 'SHOULD', 'events --interval keeps printing stats records of the container, one per interval, until it is stopped.'],
    ['cli.events.stopped', 'SHOULD', 'events --stats of a stopped container is an error: there is nothing running to measure.'],
    ['cli.events.unknown-id', 'SHOULD', 'events --stats of a container that does not exist is an error.'],
  ]),
  ...runcManPage('runc-list.8.md', [
    ['cli.list.containers', 'SHOULD', 'list --format json shows the container with its status and pid.'],
  ]),
  ...runcManPage('runc-run.8.md', [
    ['cli.run.exit-code', 'SHOULD', 'run in the foreground exits with the container process exit code.'],
    ['cli.run.no-subreaper', 'SHOULD', 'run --no-subreaper: the runtime does not make itself the subreaper of the container\'s processes, so a process orphaned in a container without its own pid namespace is not reparented to the runtime.'],
    ['cli.run.detach', 'SHOULD', 'run --detach returns once the container is running, leaving its process running.'],
  ]),
  ...runcManPage('runc-checkpoint.8.md', [
    ['cli.checkpoint.stops', 'SHOULD', 'Checkpoint without --leave-running stops the container after saving it.'],
    ['cli.checkpoint.criu-from-path', 'SHOULD', 'checkpoint runs the criu found first on the PATH the runtime was started with (runc\'s --criu is ignored since 1.2.0: PATH is the way to a CRIU of one\'s own).'],
    ['cli.checkpoint.leave-running', 'SHOULD', 'Checkpoint --leave-running saves the container and leaves it running.'],
    ['cli.checkpoint.not-running', 'MUST', 'Checkpoint of a container that is not running is an error and changes nothing.'],
    ['cli.checkpoint.unknown-id', 'MUST', 'Checkpoint of a container that does not exist is an error.'],
    ['cli.checkpoint.file-locks', 'SHOULD', 'Checkpoint --file-locks dumps a container holding a file lock (refused without it), and restore --file-locks gives the lock back to its holder.'],
    ['cli.checkpoint.tcp-established', 'SHOULD', 'Checkpoint --tcp-established dumps a container with an established TCP connection (refused without it), and restore --tcp-established brings the connection back, carrying data.'],
    ['cli.checkpoint.ext-unix-sk', 'SHOULD', 'Checkpoint --ext-unix-sk dumps a container holding a unix datagram socket connected to a named peer outside it (refused without it), and restore --ext-unix-sk connects the socket to that peer again.'],
    ['cli.checkpoint.shell-job', 'SHOULD', 'Checkpoint --shell-job dumps a shell job, a container whose stdio is a terminal from outside it (refused without the option).'],
    ['cli.checkpoint.empty-ns', 'SHOULD', 'Checkpoint and restore with --empty-ns network save the network namespace without its properties: the restored container gets a new one, without the addresses its processes had added.'],
    ['cli.checkpoint.pre-dump', 'SHOULD', 'Checkpoint --pre-dump saves memory and leaves the container running; a later checkpoint with --parent-path saves only what changed since, and restores.'],
    ['cli.checkpoint.image-path', 'SHOULD', 'Each checkpoint is a self-contained image at --image-path: several coexist and any one restores.'],
  ]),
  ...runcManPage('runc-restore.8.md', [
    ['cli.restore.running', 'SHOULD', 'Restore --detach recreates a checkpointed container under its id, running.'],
    ['cli.restore.resources', 'SHOULD', 'A restored container runs under the resources its config.json sets: its cgroup limits are the config\'s, as after create.'],
    ['cli.restore.new-id', 'SHOULD', 'Restore brings a checkpoint back under a container id other than the one it was taken from.'],
    ['cli.restore.shell-job', 'SHOULD', 'Restore --shell-job brings back, running, a shell job checkpointed with --shell-job.'],
    ['cli.restore.manage-cgroups-mode', 'SHOULD', 'Checkpoint and restore with --manage-cgroups-mode apply that CRIU cgroup mode: with full the restored cgroups get the properties saved at checkpoint (not only those of config.json), with ignore the restored processes stay in the cgroup the runtime made for the container (a sub-cgroup it had is not made again).'],
    ['cli.restore.continues', 'MUST', 'A restored process continues from the saved state instead of starting again.'],
  ]),
  ...runcManPage('runc-update.8.md', [
    ['cli.update.memory', 'SHOULD', 'update --resources changes the memory limit of a running container\'s cgroup.'],
    ['cli.update.pids', 'SHOULD', 'update --resources changes the pids limit of a running container: forks beyond the new limit fail.'],
    ['cli.update.cpu', 'SHOULD', 'update --resources changes the CPU shares, quota and period of a running container\'s cgroup.'],
    ['cli.update.resources-stdin', 'SHOULD', 'update --resources - reads the resources from standard input, the form containerd (go-runc) uses, and applies them to the running container\'s cgroup.'],
    ['cli.update.resources-file', 'SHOULD', 'update --resources FILE reads the resources from that file and applies them to the running container\'s cgroup.'],
  ]),
];

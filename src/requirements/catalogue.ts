import type { Level, Requirement, Source } from './requirement.js';

type Entry = [id: string, level: Level, document: string, section: string, statement: string];

const spec = (entries: Entry[]): Requirement[] => entries.map((e) => make('runtime-spec', e));
const cli = (entries: Entry[]): Requirement[] => entries.map((e) => make('runc-cli', e));

function make(source: Source, [id, level, document, section, statement]: Entry): Requirement {
  return { id, level, source, document, section, statement };
}

export const catalogue: readonly Requirement[] = [
  ...spec([
    ['state.required-fields', 'MUST', 'runtime.md', 'state', 'State has ociVersion, id, status and bundle, each a string.'],
    ['state.id', 'MUST', 'runtime.md', 'state', 'State reports the id the container was created with.'],
    ['state.pid', 'MUST', 'runtime.md', 'state', 'State has the pid of the container process, as the runtime\'s host sees it, while created or running.'],
    ['state.bundle-absolute', 'MUST', 'runtime.md', 'state', 'State reports the bundle as an absolute path to the bundle directory.'],
    ['state.annotations', 'SHOULD', 'runtime.md', 'state', 'State lists the annotations given in config.json.'],
    ['state.unknown-id', 'MUST', 'runtime.md', 'query-state', 'Querying the state of a container that does not exist is an error.'],
    ['state.stopped-after-exit', 'MUST', 'runtime.md', 'kill', 'Once the container process has exited, for any reason, status is stopped.'],
    ['create.status-created', 'MUST', 'runtime.md', 'create', 'After a successful create the status is created.'],
    ['create.process-not-run', 'MUST NOT', 'runtime.md', 'create', 'Create does not run the user-specified program.'],
    ['create.duplicate-id', 'MUST', 'runtime.md', 'create', 'Create with an id already in use is an error and creates no new container.'],
    ['create.missing-config', 'MUST', 'runtime.md', 'lifecycle', 'Create of a bundle without config.json is an error.'],
    ['create.invalid-config', 'MUST', 'runtime.md', 'lifecycle', 'Create with a config.json that is not valid JSON is an error.'],
    ['create.error-no-trace', 'MUST', 'runtime.md', 'errors', 'A failed create leaves no container behind: state of that id is an error.'],
    ['create.config-changes-ignored', 'MUST', 'runtime.md', 'create', 'Changes to config.json after create have no effect on the container.'],
    ['start.runs-process', 'MUST', 'runtime.md', 'start', 'Start runs the user-specified program.'],
    ['start.status-running', 'MUST', 'runtime.md', 'start', 'After a successful start the status is running.'],
    ['start.not-created', 'MUST', 'runtime.md', 'start', 'Start of a container that is not created is an error and changes nothing.'],
    ['start.unknown-id', 'MUST', 'runtime.md', 'start', 'Start of a container that does not exist is an error.'],
    ['kill.delivers-signal', 'MUST', 'runtime.md', 'kill', 'Kill sends the given signal to the container process.'],
    ['kill.not-alive', 'MUST', 'runtime.md', 'kill', 'Kill of a container that is neither created nor running is an error.'],
    ['kill.unknown-id', 'MUST', 'runtime.md', 'kill', 'Kill of a container that does not exist is an error.'],
    ['delete.removes', 'MUST', 'runtime.md', 'delete', 'Delete removes the container: its state can no longer be queried.'],
    ['delete.not-stopped', 'MUST', 'runtime.md', 'delete', 'Delete of a container that is not stopped is an error and leaves it as it was.'],
    ['delete.unknown-id', 'MUST', 'runtime.md', 'delete', 'Delete of a container that does not exist is an error.'],
    ['delete.id-reusable', 'MAY', 'runtime.md', 'delete', 'After delete, the id can be used by a new container.'],
    ['features.version-range', 'MUST', 'features.md', 'features-structure', 'Features reports ociVersionMin and ociVersionMax.'],
  ]),
  ...cli([
    ['cli.exec.exit-code', 'MUST', 'runc-exec.8.md', '', 'Exec exits with the exit code of the executed process.'],
    ['cli.exec.stdio', 'MUST', 'runc-exec.8.md', '', 'Exec passes the process stdout and stderr through, separately.'],
    ['cli.exec.env', 'SHOULD', 'runc-exec.8.md', '', 'Exec --env adds variables to the process environment.'],
    ['cli.exec.cwd', 'SHOULD', 'runc-exec.8.md', '', 'Exec --cwd sets the working directory of the process.'],
    ['cli.exec.process-file', 'SHOULD', 'runc-exec.8.md', '', 'Exec --process runs the process described by a process.json.'],
    ['cli.exec.stopped', 'MUST', 'runc-exec.8.md', '', 'Exec into a stopped container is an error.'],
    ['cli.kill.signal-forms', 'SHOULD', 'runc-kill.8.md', '', 'Kill accepts a signal by name, with or without SIG, and by number.'],
    ['cli.kill.all', 'SHOULD', 'runc-kill.8.md', '', 'Kill --all signals every process in the container.'],
    ['cli.delete.force', 'SHOULD', 'runc-delete.8.md', '', 'Delete --force removes a running container and its processes.'],
    ['cli.pause.freezes', 'SHOULD', 'runc-pause.8.md', '', 'Pause freezes every process of the container; status becomes paused.'],
    ['cli.resume.thaws', 'SHOULD', 'runc-resume.8.md', '', 'Resume lets a paused container run again; status becomes running.'],
    ['cli.pause.stopped', 'SHOULD', 'runc-pause.8.md', '', 'Pause of a stopped container is an error.'],
    ['cli.ps.pids', 'SHOULD', 'runc-ps.8.md', '', 'ps --format json lists the pids of the container, its init included.'],
    ['cli.events.stats-json', 'SHOULD', 'runc-events.8.md', '', 'events --stats prints exactly one JSON record, of type stats, for the container asked about.'],
    ['cli.events.cpu-grows', 'SHOULD', 'runc-events.8.md', '', 'The CPU time events --stats reports grows while the container keeps a CPU busy.'],
    ['cli.events.memory', 'SHOULD', 'runc-events.8.md', '', 'events --stats reports a memory usage above zero for a running container.'],
    ['cli.events.pids-match-ps', 'SHOULD', 'runc-events.8.md', '', 'With only single-threaded processes, the pid count of events --stats is the number of pids ps lists.'],
    ['cli.events.stream', 'SHOULD', 'runc-events.8.md', '', 'events --interval keeps printing stats records of the container, one per interval, until it is stopped.'],
    ['cli.events.stopped', 'SHOULD', 'runc-events.8.md', '', 'events --stats of a stopped container is an error: there is nothing running to measure.'],
    ['cli.events.unknown-id', 'SHOULD', 'runc-events.8.md', '', 'events --stats of a container that does not exist is an error.'],
    ['cli.list.containers', 'SHOULD', 'runc-list.8.md', '', 'list --format json shows the container with its status and pid.'],
    ['cli.run.exit-code', 'SHOULD', 'runc-run.8.md', '', 'run in the foreground exits with the container process exit code.'],
  ]),
  ...cli([
    ['cli.checkpoint.stops', 'SHOULD', 'runc-checkpoint.8.md', '', 'Checkpoint without --leave-running stops the container after saving it.'],
    ['cli.checkpoint.leave-running', 'SHOULD', 'runc-checkpoint.8.md', '', 'Checkpoint --leave-running saves the container and leaves it running.'],
    ['cli.checkpoint.not-running', 'MUST', 'runc-checkpoint.8.md', '', 'Checkpoint of a container that is not running is an error and changes nothing.'],
    ['cli.checkpoint.unknown-id', 'MUST', 'runc-checkpoint.8.md', '', 'Checkpoint of a container that does not exist is an error.'],
    ['cli.checkpoint.image-path', 'SHOULD', 'runc-checkpoint.8.md', '', 'Each checkpoint is a self-contained image at --image-path: several coexist and any one restores.'],
    ['cli.restore.running', 'SHOULD', 'runc-restore.8.md', '', 'Restore --detach recreates a checkpointed container under its id, running.'],
    ['cli.restore.continues', 'MUST', 'runc-restore.8.md', '', 'A restored process continues from the saved state instead of starting again.'],
  ]),
];

const byId = new Map(catalogue.map((r) => [r.id, r]));

export function requirementById(id: string): Requirement {
  const found = byId.get(id);
  if (!found) throw new Error(`unknown requirement id "${id}": add it to src/requirements/catalogue.ts`);
  return found;
}

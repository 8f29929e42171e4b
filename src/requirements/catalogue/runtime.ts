import { specDocument } from './define.js';

/** runtime.md: state, lifecycle, errors and the operations, hooks' place in the lifecycle included. */
export const runtimeRequirements = specDocument('runtime.md', [
  ['scope.same-caller', 'MUST', 'scope-of-a-container', 'Whoever created a container can run every operation (state, start, kill, delete) on it.'],

  ['state.required-fields', 'MUST', 'state', 'State has ociVersion, id, status and bundle, each a string.'],
  ['state.id', 'MUST', 'state', 'State reports the id the container was created with.'],
  ['state.pid', 'MUST', 'state', 'State has the pid of the container process, as the runtime\'s host sees it, while created or running.'],
  ['state.bundle-absolute', 'MUST', 'state', 'State reports the bundle as an absolute path to the bundle directory.'],
  ['state.annotations', 'SHOULD', 'state', 'State lists the annotations given in config.json.'],
  ['state.status-values', 'MUST', 'state', 'Status is creating, created, running or stopped; a value of the runtime\'s own (e.g. paused) only ever means a state outside those four.'],
  ['state.schema', 'MUST', 'state', 'The state JSON follows the spec\'s state schema: pid an integer, annotations a map of strings, no required field missing.', { since: '1.1.0' }],
  ['state.unknown-id', 'MUST', 'query-state', 'Querying the state of a container that does not exist is an error.'],
  ['state.missing-id', 'MUST', 'query-state', 'state without a container id is an error.'],
  ['state.stopped-after-exit', 'MUST', 'kill', 'Once the container process has exited, for any reason, status is stopped.'],

  ['create.status-created', 'MUST', 'create', 'After a successful create the status is created.'],
  ['create.process-not-run', 'MUST NOT', 'create', 'Create does not run the user-specified program.'],
  ['create.resources-created', 'MUST', 'create', 'Once create returns, what config.json asks for (namespaces, cgroup, mounts) already exists, before start.'],
  ['create.duplicate-id', 'MUST', 'create', 'Create with an id already in use is an error and creates no new container.'],
  ['create.missing-id', 'MUST', 'create', 'create without a container id is an error and creates nothing.'],
  ['create.invalid-id', 'MUST', 'create', 'create with an id that cannot safely name a container (e.g. "../x" or "a/b") is an error and creates nothing.'],
  ['create.unsatisfiable-config', 'MUST', 'create', 'When the container config.json describes cannot be built (e.g. a bind source that does not exist), create is an error and no container exists.'],
  ['create.missing-config', 'MUST', 'lifecycle', 'Create of a bundle without config.json is an error.'],
  ['create.invalid-config', 'MUST', 'lifecycle', 'Create with a config.json that is not valid JSON is an error.'],
  ['create.error-no-trace', 'MUST', 'errors', 'A failed create leaves no container behind: state of that id is an error.'],
  ['create.config-changes-ignored', 'MUST', 'create', 'Changes to config.json after create have no effect on the container.'],

  ['start.runs-process', 'MUST', 'start', 'Start runs the user-specified program.'],
  ['start.status-running', 'MUST', 'start', 'After a successful start the status is running.'],
  ['start.not-created', 'MUST', 'start', 'Start of a container that is not created is an error and changes nothing.'],
  ['start.unknown-id', 'MUST', 'start', 'Start of a container that does not exist is an error.'],
  ['start.missing-id', 'MUST', 'start', 'start without a container id is an error.'],
  ['start.no-process', 'MUST', 'start', 'A container whose config.json has no process cannot be started: start (or create before it) is an error.'],

  ['kill.delivers-signal', 'MUST', 'kill', 'Kill sends the given signal to the container process.'],
  ['kill.not-alive', 'MUST', 'kill', 'Kill of a container that is neither created nor running is an error.'],
  ['kill.unknown-id', 'MUST', 'kill', 'Kill of a container that does not exist is an error.'],
  ['kill.missing-id', 'MUST', 'kill', 'kill without a container id is an error.'],

  ['delete.removes', 'MUST', 'delete', 'Delete removes the container: its state can no longer be queried.'],
  ['delete.not-stopped', 'MUST', 'delete', 'Delete of a container that is not stopped is an error and leaves it as it was.'],
  ['delete.unknown-id', 'MUST', 'delete', 'Delete of a container that does not exist is an error.'],
  ['delete.missing-id', 'MUST', 'delete', 'delete without a container id is an error.'],
  ['delete.resources-released', 'MUST', 'delete', 'Delete undoes what create made: the container\'s cgroup, mounts and namespaces are gone afterwards.'],
  ['delete.foreign-resources-kept', 'MUST NOT', 'delete', 'Delete does not remove what the container did not create: bind-mount sources and joined namespaces stay.'],
  ['delete.id-reusable', 'MAY', 'delete', 'After delete, the id can be used by a new container.'],

  // The lifecycle steps say what a failing hook does; config.md says when each hook runs.
  ['hooks.prestart.failure', 'MUST', 'lifecycle', 'A failing prestart hook makes create an error; the user program never runs and the container is stopped and destroyed.', { since: '1.0.2' }],
  ['hooks.create-runtime.failure', 'MUST', 'lifecycle', 'A failing createRuntime hook makes create an error; the user program never runs and the container is stopped and destroyed.', { since: '1.0.2' }],
  ['hooks.create-container.failure', 'MUST', 'lifecycle', 'A failing createContainer hook makes create an error; the user program never runs and the container is stopped and destroyed.', { since: '1.0.2' }],
  ['hooks.start-container.failure', 'MUST', 'lifecycle', 'A failing startContainer hook makes start an error; the user program never runs and the container is stopped and destroyed.', { since: '1.0.2' }],
  ['hooks.poststart.failure-continues', 'MUST', 'lifecycle', 'A failing poststart hook is only a warning: start succeeds, the program keeps running and the later hooks still run.', { until: '1.2.1' }],
  ['hooks.poststart.failure-stops', 'MUST', 'lifecycle', 'A failing poststart hook makes start an error: the runtime stops the container and goes on to destroy it.', { since: '1.3.0' }],
  ['hooks.poststop.failure-continues', 'MUST', 'lifecycle', 'A failing poststop hook is only a warning: delete succeeds and the later poststop hooks still run.'],
  ['hooks.state-pid', 'MUST', 'state', 'The pid in the state a hook reads is as the hook sees it: the host pid in runtime-namespace hooks, the in-container pid in container-namespace hooks.', { since: '1.1.0' }],
]);

/**
 * rtconform's runtime adapter: drive any runc-style OCI runtime (runc, crun, runsc, youki, the
 * bundled fake, or yours) from TypeScript, one method per CLI verb, every output parsed with
 * zod, every call bounded in time and output, errors that carry the runtime's own words.
 * docs/library.md shows it in use.
 */
export { openRuntime, resolveRuntime, declarationFor, fakeRuntimePath, type OpenRuntimeOptions, type ResolvedRuntime } from './runtime/resolve.js';
export {
  BUILTIN_RUNTIMES, builtinDeclaration, loadDeclaration, resolveDeclaration, DeclarationError,
  RuntimeDeclarationSchema, ExpectedFailureSchema, type BuiltinRuntime, type ExpectedFailure, type RuntimeDeclaration,
} from './runtime/declaration.js';
export { CliRuntime, type CliRuntimeOptions } from './runtime/cli-runtime.js';
export { MonitoredCliRuntime, type MonitoredCliRuntimeOptions } from './runtime/monitored-runtime.js';
export type { Runtime, MonitoredRuntime, PlainExecOptions, RuntimeVersion, ExecResult, StopOptions, EventsOptions, WaitOptions } from './runtime/runtime.js';
export type { RuntimeToOpen } from './runtime/resolve.js';
export type { MonitorOptions, ExitStatus, ContainerLogLine } from './runtime/monitor.js';
export type {
  CreateOptions, RunContainerOptions, ExecOptions, KillOptions, DeleteOptions, CheckpointOptions, RestoreOptions, UpdateOptions, ManageCgroupsMode, NamespaceType,
} from './runtime/argv.js';
export {
  RuntimeError, RuntimeTimeoutError, RuntimeNotFoundError, RuntimeSpawnError, RuntimeOutputError,
  UnsupportedOperationError, ExecTimeoutError, ContainerWaitError, MonitorRequiredError,
} from './runtime/errors.js';
export { AttributedError, blamesRuntime, type Culprit, type FailureKind } from './util/attributed-error.js';
export { WaitTimeoutError } from './util/wait.js';
export {
  KNOWN_STATUSES, ContainerStateSchema, ListEntrySchema, ListSchema, PsSchema, StatsSchema, FeaturesSchema, EventSchema,
  type KnownStatus, type ContainerStatus, type ContainerState, type ListEntry, type Stats, type Features, type RuntimeEvent,
} from './runtime/schemas.js';
export {
  VERBS, LIMITATIONS, RuntimeProfileSchema, type Verb, type Limitation, type RuntimeProfile,
} from './runtime/profiles.js';
export {
  HostProcessRunner, DEFAULT_OUTPUT_CAPS, type ProcessRunner, type RunOptions, type RunResult, type StdioFiles, type Target, type Input,
  type StartedProcessEnd,
} from './runtime/process-runner.js';
export { type KeptGroup, type GroupEnd } from './runtime/process-groups.js';
export { waitForStatus } from './runtime/wait-for-status.js';
export { BundleBuilder, defaultConfig, writeConfig } from './bundle/bundle-builder.js';
export { ConfigSchema, type OciConfig, type ProcessSpec, type LinuxResources } from './spec/config.js';

/**
 * One function per verb turns its options into the runc-style argv after the verb. The CLI
 * contract is runc's (runc(8)); crun and runsc accept the same flags.
 */
import type { OciConfig } from '../spec/config.js';
import type { Input } from './process-runner.js';

export interface CreateOptions {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  /**
   * `--preserve-fds N`: the runtime passes its own descriptors 3 … 2+N on to the container's
   * process. They are the ones the runtime is started with: open them in whatever starts it
   * (a wrapper script, as the requirement's test does); the adapter gives the runtime no
   * descriptor beyond stdio of its own.
   */
  preserveFds?: number;
  /** Where the container's stdio goes (files); default /dev/null in, per-container files out. */
  stdio?: { stdin?: string; stdout?: string; stderr?: string };
  /** Limit for this call (the runtime's call timeout when absent); past it the call is killed. */
  timeoutMs?: number;
  /** How long to wait for `created` after the create call returns. */
  waitTimeoutMs?: number;
  /** The directory the runtime is started in: what a relative bundle path is relative to. */
  workingDir?: string;
  /**
   * Keep the runtime's own log of the call (`--log`, JSON lines) in this file, warnings and all;
   * by default the adapter reads it for errors and removes it.
   */
  logFile?: string;
}

/** `timeoutMs` limits the call: in the foreground, that is how long the container may take to exit. */
export interface RunContainerOptions extends Omit<CreateOptions, 'waitTimeoutMs'> {
  detach?: boolean;
  /**
   * `--no-subreaper`: the runtime does not make itself the subreaper of the container's
   * processes, so one orphaned where the container has no pid namespace of its own goes to
   * the host's (or the target's) init, not to the runtime.
   */
  noSubreaper?: boolean;
}

export interface ExecOptions {
  detach?: boolean;
  pidFile?: string;
  cwd?: string;
  env?: string[];
  tty?: boolean;
  user?: string;
  /**
   * End the exec'd process after this long and raise ExecTimeoutError, which says what was ended:
   * the pid from --pid-file only where it is provably the call's (or through the runtime, per
   * profile.execPidInRuntime), else the exec call.
   */
  timeoutMs?: number;
  /** What the process reads on stdin: text at once, or pieces streamed as they come (a Readable, an async generator), then end of file. */
  input?: Input;
}

export interface KillOptions {
  all?: boolean;
}

export interface DeleteOptions {
  force?: boolean;
}

/**
 * How CRIU treats the container's cgroups (runc's --manage-cgroups-mode, CRIU's --manage-cgroups):
 * `soft` (the default) restores properties only on cgroups CRIU has to create, `full` restores the
 * dumped properties on existing ones too, `strict` aborts a restore into cgroups that exist,
 * `ignore` neither dumps nor restores cgroups (the processes stay where the runtime puts them).
 */
export type ManageCgroupsMode = 'soft' | 'full' | 'strict' | 'ignore';

/** A namespace type as config.json names it (runc's --empty-ns accepts only `network`). */
export type NamespaceType = NonNullable<NonNullable<OciConfig['linux']>['namespaces']>[number]['type'];

export interface CheckpointOptions {
  imagePath: string;
  workPath?: string;
  /**
   * Keep the container running after the dump (runc's `--leave-running`). Off by default, as in
   * runc's CLI, where a checkpoint ends the container: containerd asks the opposite (it leaves
   * it running unless told to exit). The default is runc's because that is the CLI contract the
   * suites check.
   */
  leaveRunning?: boolean;
  tcpEstablished?: boolean;
  /** A shell job: the container's stdio is a terminal outside it (`--shell-job`). */
  shellJob?: boolean;
  /** A unix socket connected to a peer outside the container (`--ext-unix-sk`; CRIU dumps only a datagram socket whose peer has a name). */
  extUnixSk?: boolean;
  fileLocks?: boolean;
  /** `--manage-cgroups-mode`; the runtime's default (soft) when absent. */
  manageCgroupsMode?: ManageCgroupsMode;
  /** `--empty-ns`, once per namespace: save the namespace without its properties (runc always does so for network). */
  emptyNs?: readonly NamespaceType[];
  preDump?: boolean;
  /** Relative to imagePath, as CRIU wants it (e.g. ../pre-dump). */
  parentPath?: string;
  /** The call's limit; default the runtime's call timeout (give more for CRIU on a large process). */
  timeoutMs?: number;
}

export interface RestoreOptions {
  imagePath: string;
  bundle: string;
  workPath?: string;
  tcpEstablished?: boolean;
  shellJob?: boolean;
  extUnixSk?: boolean;
  fileLocks?: boolean;
  manageCgroupsMode?: ManageCgroupsMode;
  /** `--empty-ns`, once per namespace: a new namespace whose saved properties are not restored. */
  emptyNs?: readonly NamespaceType[];
  detach?: boolean;
  pidFile?: string;
  stdio?: { stdin?: string; stdout?: string; stderr?: string };
  /** The call's limit; default the runtime's call timeout (give more for CRIU on a large process). */
  timeoutMs?: number;
}

const flag = (on: boolean | undefined, name: string): string[] => (on ? [name] : []);
const value = (v: string | undefined, name: string): string[] => (v === undefined ? [] : [name, v]);
const values = (vs: readonly string[] | undefined, name: string): string[] => (vs ?? []).flatMap((v) => [name, v]);
const count = (n: number | undefined, name: string): string[] => (n === undefined ? [] : [name, String(n)]);

export function createArgs(id: string, o: CreateOptions): string[] {
  return [
    'create', '--bundle', o.bundle,
    ...value(o.pidFile, '--pid-file'), ...value(o.consoleSocket, '--console-socket'),
    ...flag(o.noPivot, '--no-pivot'), ...flag(o.noNewKeyring, '--no-new-keyring'), ...count(o.preserveFds, '--preserve-fds'),
    id,
  ];
}

export function runArgs(id: string, o: RunContainerOptions): string[] {
  return [
    'run', '--bundle', o.bundle,
    ...flag(o.detach, '--detach'), ...value(o.pidFile, '--pid-file'), ...value(o.consoleSocket, '--console-socket'),
    ...flag(o.noPivot, '--no-pivot'), ...flag(o.noNewKeyring, '--no-new-keyring'), ...count(o.preserveFds, '--preserve-fds'),
    ...flag(o.noSubreaper, '--no-subreaper'),
    id,
  ];
}

export function execArgs(id: string, o: ExecOptions & { processFile?: string }, argv: readonly string[]): string[] {
  return [
    'exec',
    ...flag(o.detach, '--detach'), ...value(o.pidFile, '--pid-file'), ...value(o.cwd, '--cwd'),
    ...(o.env ?? []).flatMap((e) => ['--env', e]), ...flag(o.tty, '--tty'), ...value(o.user, '--user'),
    ...value(o.processFile, '--process'),
    id, ...argv,
  ];
}

export function killArgs(id: string, signal: string, o: KillOptions): string[] {
  return ['kill', ...flag(o.all, '--all'), id, signal];
}

export function deleteArgs(id: string, o: DeleteOptions): string[] {
  return ['delete', ...flag(o.force, '--force'), id];
}

export function checkpointArgs(id: string, o: CheckpointOptions): string[] {
  return [
    'checkpoint', '--image-path', o.imagePath, ...value(o.workPath, '--work-path'),
    ...flag(o.leaveRunning, '--leave-running'), ...flag(o.tcpEstablished, '--tcp-established'),
    ...flag(o.shellJob, '--shell-job'), ...flag(o.extUnixSk, '--ext-unix-sk'), ...flag(o.fileLocks, '--file-locks'),
    ...value(o.manageCgroupsMode, '--manage-cgroups-mode'), ...values(o.emptyNs, '--empty-ns'),
    ...flag(o.preDump, '--pre-dump'), ...value(o.parentPath, '--parent-path'),
    id,
  ];
}

export function restoreArgs(id: string, o: RestoreOptions): string[] {
  return [
    'restore', '--image-path', o.imagePath, '--bundle', o.bundle, ...value(o.workPath, '--work-path'),
    ...flag(o.tcpEstablished, '--tcp-established'), ...flag(o.shellJob, '--shell-job'),
    ...flag(o.extUnixSk, '--ext-unix-sk'), ...flag(o.fileLocks, '--file-locks'),
    ...value(o.manageCgroupsMode, '--manage-cgroups-mode'), ...values(o.emptyNs, '--empty-ns'),
    ...flag(o.detach, '--detach'), ...value(o.pidFile, '--pid-file'),
    id,
  ];
}

/** Where `update` has the runtime read the resources from. */
export interface UpdateOptions {
  /**
   * `stdin` (the default): `--resources -` with the JSON on standard input, as containerd's
   * go-runc passes them; `file`: `--resources FILE`, a file the adapter writes and removes.
   */
  resourcesFrom?: 'stdin' | 'file';
}

/** `update --resources PATH ID`; PATH `-` is standard input. */
export function updateArgs(id: string, resourcesPath: string): string[] {
  return ['update', '--resources', resourcesPath, id];
}

/** Signals go to the runtime as given ("TERM", "SIGTERM", 15): accepting each form is its job. */
export function signalArg(signal: string | number): string {
  return String(signal);
}

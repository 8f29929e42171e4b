import type { LinuxResources, ProcessSpec } from '../spec/config.js';
import type {
  CheckpointOptions, CreateOptions, DeleteOptions, ExecOptions, KillOptions, RestoreOptions, RunContainerOptions, UpdateOptions,
} from './argv.js';
import type { ContainerLogLine, ExitStatus, MonitorOptions } from './monitor.js';
import type { Input, Target } from './process-runner.js';
import type { RuntimeProfile } from './profiles.js';
import type { ContainerState, ContainerStatus, Features, ListEntry, RuntimeEvent, Stats } from './schemas.js';

export interface RuntimeVersion {
  /** Everything `--version` printed. */
  raw: string;
  version: string | undefined;
  spec: string | undefined;
  commit: string | undefined;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface StopOptions {
  signal?: string | number;
  /** How long the process gets to exit after `signal` before SIGKILL. */
  graceMs?: number;
}

export interface WaitOptions {
  /** How long the process may take to end (the runtime's call timeout when absent). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface EventsOptions {
  intervalMs?: number;
  signal: AbortSignal;
}

/** An exec of a runtime without a monitor: a terminal needs someone to hold it (MonitoredRuntime). */
export type PlainExecOptions = Omit<ExecOptions, 'tty'>;

/**
 * One OCI runtime, driven through its runc-style CLI. One method per verb; containers are
 * created directly, as `runc create` does. What only a monitor gives is MonitoredRuntime's.
 */
export interface Runtime {
  readonly name: string;
  readonly binary: string;
  readonly profile: RuntimeProfile;
  readonly target: Target;

  version(): Promise<RuntimeVersion>;
  features(): Promise<Features>;
  create(id: string, options: CreateOptions): Promise<void>;
  start(id: string): Promise<void>;
  /** Foreground run returns the container's exit code; a detached run returns once it is running. */
  run(id: string, options: RunContainerOptions): Promise<{ exitCode: number | undefined }>;
  state(id: string): Promise<ContainerState>;
  status(id: string): Promise<ContainerStatus>;
  list(): Promise<ListEntry[]>;
  exec(id: string, process: ProcessSpec | readonly string[], options?: PlainExecOptions): Promise<ExecResult>;
  kill(id: string, signal?: string | number, options?: KillOptions): Promise<void>;
  /** Signal, wait, and SIGKILL after the grace period. Says which ended it. */
  stop(id: string, options?: StopOptions): Promise<'exited' | 'killed'>;
  delete(id: string, options?: DeleteOptions): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  ps(id: string): Promise<number[]>;
  stats(id: string): Promise<Stats>;
  events(id: string, options: EventsOptions): AsyncIterable<RuntimeEvent>;
  checkpoint(id: string, options: CheckpointOptions): Promise<void>;
  restore(id: string, options: RestoreOptions): Promise<{ exitCode: number | undefined }>;
  /** Resources on standard input (`--resources -`, as containerd passes them) unless `options` says a file. */
  update(id: string, resources: LinuxResources, options?: UpdateOptions): Promise<void>;
}

/**
 * A runtime whose containers are created under a monitor (conmon, as cri-o runs every
 * container), which records their exit, holds their output and their terminal: the verbs of
 * Runtime, and what only the monitor gives.
 */
export interface MonitoredRuntime extends Runtime {
  /** The monitor containers are created under. */
  readonly monitor: MonitorOptions;
  /** Waits for the container's process to end, and says how (exit code, signal, when). */
  wait(id: string, options?: WaitOptions): Promise<ExitStatus>;
  /** What the container's process wrote, line by line, as the monitor logged it. */
  logs(id: string): Promise<ContainerLogLine[]>;
  /** Writes to the container's terminal (or stdin) through the monitor's attach socket. */
  attach(id: string, input: Input, options?: { timeoutMs?: number }): Promise<void>;
  /** As Runtime's, and `tty`: the monitor holds the terminal (conmon --exec --terminal); its output is stdout. */
  exec(id: string, process: ProcessSpec | readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

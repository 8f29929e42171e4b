import { z } from 'zod';

/**
 * What differs between runc-style runtimes, as data. The adapter reads these; it never
 * branches on a runtime's name. Built-in runtimes are declared in `runtimes/<name>.yaml`
 * (declaration.ts reads them), a vendor's in a declaration file of their own.
 */
export const VERBS = [
  'create', 'start', 'run', 'state', 'list', 'exec', 'kill', 'delete', 'pause', 'resume',
  'ps', 'events', 'checkpoint', 'restore', 'update', 'features',
] as const;
export type Verb = (typeof VERBS)[number];

export const LIMITATIONS = [
  /** Processes share the host's filesystem: paths in config are host paths. */
  'noFilesystemIsolation',
  /** Restore restarts the process instead of resuming its memory. */
  'noMemoryCheckpoint',
  /** The process runs as the runtime's own user, capabilities and limits: only args, env and cwd apply. */
  'noProcessIsolation',
  /** No cgroup of its own: resources and cgroupsPath are not applied, the process stays in the runtime's cgroup. */
  'noCgroups',
] as const;
export type Limitation = (typeof LIMITATIONS)[number];

export interface RuntimeProfile {
  /** Short name users type: `--runtime runc`; names the runtime in reports. */
  readonly name: string;
  /** The binary: a name looked up on PATH, or an absolute path. */
  readonly binary: string;
  /** How to get it on Debian, for error messages. */
  readonly install?: string;
  /** Flags that go before the verb on every call (runsc needs a few). */
  readonly globalArgs: readonly string[];
  /** Whether `--log FILE --log-format json` is understood. */
  readonly jsonLog: boolean;
  /** Verbs the runtime lacks, with the reason a suite will quote when it skips. */
  readonly unsupported: Partial<Record<Verb, string>>;
  /** Whether containers need a real root filesystem (the fake runs processes on the host). */
  readonly needsRootfs: boolean;
  /** Needs root to run at all. */
  readonly needsRoot: boolean;
  /** Checkpoint and restore go through CRIU, so they work only where CRIU does. */
  readonly usesCriu: boolean;
  /** Refuses a host whose cgroup v1 hierarchies have a cgroup2 mount beside them (crun 1.x). */
  readonly refusesHybridCgroups: boolean;
  /** Facts about the runtime that change what a suite can check, with the reason. */
  readonly limitations: Partial<Record<Limitation, string>>;
  /**
   * Where it keeps container state when no `--root` is given: a call killed half-way may leave a
   * state dir there that its own `list` does not show, and a sweep removes it by its id.
   */
  readonly defaultRoot?: string;
  /**
   * Where an exec'd process is reached through the runtime, not by the host pid `--pid-file`
   * gives (runsc writes its exec client's pid there; the process runs in its sandbox): the exec
   * flag that writes the pid as the runtime sees it, and the kill flag that signals that one pid.
   * An exec past its timeout is ended with `kill <killPidFlag> PID ID KILL`.
   */
  readonly execPidInRuntime?: ExecPidInRuntime;
}

export interface ExecPidInRuntime {
  /** runsc: `--internal-pid-file`. */
  readonly pidFileFlag: string;
  /** runsc: `--pid`. */
  readonly killPidFlag: string;
}

/** A flag as a runtime's command line takes it: one or two dashes and a name. */
export const FlagSchema = z.string().regex(/^--?[A-Za-z][\w-]{0,63}$/, 'a flag: - or -- and a name (letters, digits, _ and -)');

export const ExecPidInRuntimeSchema = z.object({
  pidFileFlag: FlagSchema.describe('The exec flag that writes the exec\'d process\'s pid as the runtime sees it (runsc: --internal-pid-file).'),
  killPidFlag: FlagSchema.describe('The kill flag that signals one such pid (runsc: --pid).'),
}).strict();

/** A resolved profile as data (it travels in a run's plan from the CLI to the test process). */
export const RuntimeProfileSchema = z.object({
  name: z.string(),
  binary: z.string(),
  install: z.string().optional(),
  globalArgs: z.array(z.string()).readonly(),
  jsonLog: z.boolean(),
  unsupported: z.partialRecord(z.enum(VERBS), z.string()),
  needsRootfs: z.boolean(),
  needsRoot: z.boolean(),
  usesCriu: z.boolean(),
  refusesHybridCgroups: z.boolean(),
  limitations: z.partialRecord(z.enum(LIMITATIONS), z.string()),
  defaultRoot: z.string().optional(),
  execPidInRuntime: ExecPidInRuntimeSchema.optional(),
}).readonly() satisfies z.ZodType<RuntimeProfile>;

/**
 * What differs between runc-style runtimes, as data. The adapter reads these; it never
 * branches on a runtime's name.
 */
export type Verb =
  | 'create' | 'start' | 'run' | 'state' | 'list' | 'exec' | 'kill' | 'delete' | 'pause' | 'resume'
  | 'ps' | 'events' | 'checkpoint' | 'restore' | 'update' | 'features';

export interface RuntimeProfile {
  /** Short name users type: `--runtime runc`. */
  readonly name: string;
  /** Default binary looked up on PATH (or an absolute path for bundled runtimes). */
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
}

export type Limitation =
  /** Processes share the host's filesystem: paths in config are host paths. */
  | 'noFilesystemIsolation'
  /** Restore restarts the process instead of resuming its memory. */
  | 'noMemoryCheckpoint'
  /** The process runs as the runtime's own user, capabilities and limits: only args, env and cwd apply. */
  | 'noProcessIsolation'
  /** No cgroup of its own: resources and cgroupsPath are not applied, the process stays in the runtime's cgroup. */
  | 'noCgroups';

const base = {
  globalArgs: [],
  jsonLog: true,
  unsupported: {},
  needsRootfs: true,
  needsRoot: true,
  refusesHybridCgroups: false,
  usesCriu: true,
  limitations: {},
} as const satisfies Omit<RuntimeProfile, 'name' | 'binary'>;

export const profiles = {
  runc: { ...base, name: 'runc', binary: 'runc', install: 'apt-get install -y runc' },
  crun: {
    ...base,
    name: 'crun',
    binary: 'crun',
    install: 'apt-get install -y crun',
    refusesHybridCgroups: true,
    unsupported: { events: 'crun has no events command' },
  },
  runsc: {
    ...base,
    name: 'runsc',
    binary: 'runsc',
    install: 'apt-get install -y runsc',
    globalArgs: ['--ignore-cgroups', '--network', 'none'],
  },
  fake: {
    ...base,
    name: 'fake',
    binary: 'rtconform-fake-runtime',
    needsRootfs: false,
    needsRoot: false,
    usesCriu: false,
    limitations: {
      noFilesystemIsolation: 'the fake runtime runs the process on the host, without a root filesystem of its own',
      noMemoryCheckpoint: 'the fake runtime cannot save process memory: its restore restarts the process',
      noProcessIsolation: 'the fake runtime applies only args, env and cwd: the process keeps its own user, capabilities and limits',
      noCgroups: 'the fake runtime applies no resources and no cgroupsPath (update only records them): the process stays in the runtime\'s own cgroup',
    },
  },
} as const satisfies Record<string, RuntimeProfile>;

export type KnownRuntimeName = keyof typeof profiles;

/** A binary given by path gets the profile its name suggests, else plain runc conventions. */
export function profileFor(nameOrPath: string): RuntimeProfile {
  const base = nameOrPath.split('/').pop() ?? nameOrPath;
  const known = (Object.values(profiles) as RuntimeProfile[]).find((p) => p.name === base || p.binary === base);
  // Unknown: runc's conventions, but its own binary (never runc's, which may be on PATH too).
  return known ?? { ...profiles.runc, name: base, binary: nameOrPath, install: undefined };
}

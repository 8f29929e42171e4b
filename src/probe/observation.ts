import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { z } from 'zod';

/** Capability numbers (linux/capability.h), in order: bit n of a /proc mask is CAPABILITY_NAMES[n]. */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** /proc/<pid>/limits row names, as the config's rlimit types. */
const LIMIT_NAMES: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU', 'Max file size': 'RLIMIT_FSIZE', 'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK', 'Max core file size': 'RLIMIT_CORE', 'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC', 'Max open files': 'RLIMIT_NOFILE', 'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS', 'Max file locks': 'RLIMIT_LOCKS', 'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE', 'Max nice priority': 'RLIMIT_NICE', 'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

const Ids = z.object({ real: z.number().int(), effective: z.number().int(), saved: z.number().int(), fs: z.number().int() });
/** One line of /proc/<pid>/uid_map or gid_map, named as the config's uidMappings/gidMappings. */
const IdMapping = z.object({ containerID: z.number().int(), hostID: z.number().int(), size: z.number().int() });
export type IdMapping = z.infer<typeof IdMapping>;
const Limit = z.object({ soft: z.union([z.number(), z.literal('unlimited')]), hard: z.union([z.number(), z.literal('unlimited')]) });

export const MountSchema = z.object({
  mountPoint: z.string(),
  root: z.string(),
  fsType: z.string(),
  source: z.string(),
  /** Per-mount options (ro, nosuid, …) then the optional fields (shared:N, master:N). */
  options: z.array(z.string()),
  propagation: z.array(z.string()),
  superOptions: z.array(z.string()),
});
export type Mount = z.infer<typeof MountSchema>;

export const PathInfoSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('missing') }),
  z.object({ kind: z.literal('link'), target: z.string() }),
  z.object({
    kind: z.literal('present'),
    /** stat's words: "character special file", "directory", "regular file", … */
    type: z.string(),
    major: z.number().int(),
    minor: z.number().int(),
    mode: z.string(),
    uid: z.number().int(),
    gid: z.number().int(),
    readable: z.boolean(),
    writable: z.boolean(),
    /** Entries of a directory; undefined for anything else. */
    entries: z.number().int().optional(),
  }),
]);
export type PathInfo = z.infer<typeof PathInfoSchema>;

/** One open descriptor of the process. */
export const OpenFdSchema = z.object({
  fd: z.number().int(),
  /** What /proc/<pid>/fd/N links to (a path, pipe:[…], socket:[…], anon_inode:…). */
  target: z.string(),
  /** O_CLOEXEC set: the probe's own shell opened it, it was not inherited through exec. */
  closeOnExec: z.boolean(),
});
export type OpenFd = z.infer<typeof OpenFdSchema>;

export const ObservationSchema = z.object({
  args: z.array(z.string()),
  env: z.array(z.string()),
  cwd: z.string(),
  umask: z.string(),
  hostname: z.string(),
  domainname: z.string(),
  oomScoreAdj: z.number().int(),
  apparmor: z.string(),
  /** sched_setscheduler's view: policy number (0 OTHER, 1 FIFO, 2 RR, 3 BATCH, 5 IDLE, 6 DEADLINE). */
  scheduler: z.object({ policy: z.number().int(), nice: z.number().int(), rtPriority: z.number().int() }).nullable(),
  /** ionice's words: class (none, realtime, best-effort, idle) and level; null when ionice is missing. */
  ioPriority: z.object({ class: z.string(), level: z.number().int() }).nullable(),
  namespaces: z.record(z.string(), z.string()),
  rootWritable: z.boolean(),
  uid: Ids,
  gid: Ids,
  groups: z.array(z.number().int()),
  capabilities: z.object({
    inheritable: z.array(z.string()), permitted: z.array(z.string()), effective: z.array(z.string()),
    bounding: z.array(z.string()), ambient: z.array(z.string()),
  }),
  noNewPrivs: z.boolean(),
  /** 0 disabled, 1 strict, 2 filter. */
  seccomp: z.number().int().min(0).max(2),
  rlimits: z.record(z.string(), Limit),
  mounts: z.array(MountSchema),
  cgroups: z.array(z.string()),
  /** cgroup interface files by path under /sys/fs/cgroup, first line of each. */
  cgroupFiles: z.record(z.string(), z.string()),
  paths: z.record(z.string(), PathInfoSchema),
  sysctls: z.record(z.string(), z.string()),
  /** The process's open descriptors, from /proc/<pid>/fd and fdinfo. */
  fds: z.array(OpenFdSchema),
  /** /proc/<pid>/uid_map and gid_map; the whole id range in the initial user namespace. */
  uidMap: z.array(IdMapping),
  gidMap: z.array(IdMapping),
  /** /proc/<pid>/timens_offsets by clock (monotonic, boottime); empty where the kernel has no time namespaces. */
  timeOffsets: z.record(z.string(), z.object({ secs: z.number().int(), nanosecs: z.number().int() })),
});
export type Observation = z.infer<typeof ObservationSchema>;

/** The probe finished, but what it printed does not parse: a fault of rtconform's probe or parser. */
export class ProbeOutputError extends Error {
  override name = 'ProbeOutputError';
  constructor(message: string, readonly output: string) {
    super(`${message}; the probe printed:\n${output.slice(0, 2000)}`);
  }
}

/**
 * The probe never got to its end: the runtime did not run it as configured (wrong args, no
 * process at all) or killed it. That is the runtime's doing, so a test that needs it fails.
 */
export class ProbeIncompleteError extends ProbeOutputError {
  override name = 'ProbeIncompleteError';
}

/** Splits the probe's text into single facts and named multi-line sections. */
function split(text: string): { facts: [string, string][]; sections: Map<string, string[]> } {
  const facts: [string, string][] = [];
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (current) {
      if (line === 'end') current = undefined;
      else current.push(line);
      continue;
    }
    const begin = /^begin (\S+)$/.exec(line);
    if (begin) {
      current = [];
      sections.set(begin[1]!, current);
      continue;
    }
    const space = line.indexOf(' ');
    if (space > 0) facts.push([line.slice(0, space), line.slice(space + 1)]);
  }
  return { facts, sections };
}

function capabilityNames(hex: string | undefined): string[] {
  if (hex === undefined) return [];
  const mask = BigInt(`0x${hex}`);
  return CAPABILITY_NAMES.filter((_, bit) => ((mask >> BigInt(bit)) & 1n) === 1n);
}

function ids(value: string | undefined): z.input<typeof Ids> {
  const [real, effective, saved, fs] = (value ?? '').trim().split(/\s+/).map(Number);
  return { real: real ?? NaN, effective: effective ?? NaN, saved: saved ?? NaN, fs: fs ?? NaN };
}

function idMappings(lines: string[] | undefined): IdMapping[] {
  return (lines ?? []).flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    return m ? [{ containerID: Number(m[1]), hostID: Number(m[2]), size: Number(m[3]) }] : [];
  });
}

function scheduler(value: string | undefined): { policy: number; nice: number; rtPriority: number } | null {
  const m = /^(\d+) (-?\d+) (\d+)$/.exec(value?.trim() ?? '');
  return m ? { policy: Number(m[1]), nice: Number(m[2]), rtPriority: Number(m[3]) } : null;
}

function ioPriority(value: string | undefined): { class: string; level: number } | null {
  const m = /^([\w-]+): prio (\d+)$/.exec(value?.trim() ?? '');
  return m ? { class: m[1]!, level: Number(m[2]) } : null;
}

function limitValue(word: string): number | 'unlimited' {
  return word === 'unlimited' ? 'unlimited' : Number(word);
}

/** One /proc/<pid>/mountinfo line: id parent major:minor root mountpoint options [optional…] - type source superoptions. */
export function mountOf(line: string): Mount | undefined {
  const parts = line.split(' ');
  const dash = parts.indexOf('-');
  if (dash < 6) return undefined;
  const unescape = (s: string): string => s.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
  return {
    root: unescape(parts[3]!),
    mountPoint: unescape(parts[4]!),
    options: parts[5]!.split(','),
    // gVisor writes an empty field before the separator: no optional field is empty.
    propagation: parts.slice(6, dash).filter((field) => field !== ''),
    fsType: parts[dash + 1] ?? '',
    source: unescape(parts[dash + 2] ?? ''),
    superOptions: (parts[dash + 3] ?? '').split(','),
  };
}

function pathInfo(rest: string): [string, PathInfo] | undefined {
  const [path, ...words] = rest.split(' ');
  if (!path) return undefined;
  if (words[0] === 'missing') return [path, { kind: 'missing' }];
  if (words[0] === 'link') return [path, { kind: 'link', target: words.slice(1).join(' ') }];
  const [info, readable, writable, entries] = words;
  const [type, major, minor, mode, uid, gid] = (info ?? '').split('|');
  return [path, {
    kind: 'present', type: (type ?? '').replaceAll('_', ' '),
    major: Number.parseInt(major ?? '', 16), minor: Number.parseInt(minor ?? '', 16),
    mode: mode ?? '', uid: Number(uid), gid: Number(gid),
    readable: readable === 'yes', writable: writable === 'yes',
    ...(entries !== undefined && entries !== '-' ? { entries: Number(entries) } : {}),
  }];
}

/** Parses what src/probe/probe.sh printed; throws ProbeOutputError when it is not that. */
export function parseObservation(text: string): Observation {
  if (!text.includes('probe-done')) {
    throw new ProbeIncompleteError(text.trim() === ''
      ? 'the container process printed nothing: the runtime did not run the probe as configured'
      : 'the probe did not finish: the runtime did not run it as configured, or stopped it', text);
  }
  const { facts, sections } = split(text);
  const fact = (key: string): string | undefined => facts.find(([k]) => k === key)?.[1];
  const status = new Map((sections.get('status') ?? []).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as const));
  const rlimits: Record<string, { soft: number | 'unlimited'; hard: number | 'unlimited' }> = {};
  for (const line of sections.get('limits') ?? []) {
    const name = Object.keys(LIMIT_NAMES).find((n) => line.startsWith(n));
    if (!name) continue;
    const [soft, hard] = line.slice(name.length).trim().split(/\s+/);
    rlimits[LIMIT_NAMES[name]!] = { soft: limitValue(soft ?? ''), hard: limitValue(hard ?? '') };
  }
  const pairs = (name: string): Record<string, string> => Object.fromEntries((sections.get(name) ?? []).map((l) => {
    const space = l.indexOf(' ');
    return space < 0 ? [l, ''] : [l.slice(0, space), l.slice(space + 1)];
  }));
  const candidate = {
    args: facts.filter(([k]) => k === 'arg').map(([, v]) => v),
    env: (sections.get('env') ?? []).filter((l) => l !== ''),
    cwd: fact('cwd') ?? '',
    umask: fact('umask') ?? '',
    hostname: fact('hostname') ?? '',
    domainname: fact('domainname') ?? '',
    oomScoreAdj: Number(fact('oom_score_adj')),
    apparmor: fact('apparmor') ?? '',
    scheduler: scheduler(fact('sched')),
    ioPriority: ioPriority(fact('ioprio')),
    namespaces: Object.fromEntries(facts.filter(([k]) => k === 'ns').map(([, v]) => v.split(' ') as [string, string])),
    rootWritable: fact('root_writable') === 'yes',
    uid: ids(status.get('Uid')),
    gid: ids(status.get('Gid')),
    groups: (status.get('Groups') ?? '').split(/\s+/).filter(Boolean).map(Number),
    capabilities: {
      inheritable: capabilityNames(status.get('CapInh')), permitted: capabilityNames(status.get('CapPrm')),
      effective: capabilityNames(status.get('CapEff')), bounding: capabilityNames(status.get('CapBnd')),
      ambient: capabilityNames(status.get('CapAmb')),
    },
    noNewPrivs: status.get('NoNewPrivs') === '1',
    seccomp: Number(status.get('Seccomp') ?? 0),
    rlimits,
    mounts: (sections.get('mountinfo') ?? []).map(mountOf).filter((m): m is Mount => m !== undefined),
    cgroups: sections.get('cgroup') ?? [],
    cgroupFiles: pairs('cgroupfiles'),
    paths: Object.fromEntries((sections.get('paths') ?? []).map(pathInfo).filter((e): e is [string, PathInfo] => e !== undefined)),
    sysctls: pairs('sysctls'),
    fds: (sections.get('fds') ?? []).flatMap((line) => {
      const m = /^(\d+) (\d*) (.*)$/.exec(line);
      // O_CLOEXEC is 02000000 in fdinfo's octal flags.
      return m ? [{ fd: Number(m[1]), target: m[3]!, closeOnExec: (Number.parseInt(m[2] || '0', 8) & 0o2000000) !== 0 }] : [];
    }),
    uidMap: idMappings(sections.get('uidmap')),
    gidMap: idMappings(sections.get('gidmap')),
    // Lines that are not `clock secs nanosecs` (cat's error where the file is missing) are left out.
    timeOffsets: Object.fromEntries((sections.get('timens') ?? []).flatMap((line) => {
      const m = /^(\w+)\s+(-?\d+)\s+(\d+)$/.exec(line.trim());
      return m ? [[m[1]!, { secs: Number(m[2]), nanosecs: Number(m[3]) }]] : [];
    })),
  };
  const parsed = ObservationSchema.safeParse(candidate);
  if (!parsed.success) throw new ProbeOutputError(`the probe's output does not parse: ${z.prettifyError(parsed.error)}`, text);
  return parsed.data;
}

/** The mount at `mountPoint` that is visible (the last one mounted there), if any. */
export function mountAt(observation: Observation, mountPoint: string): Mount | undefined {
  return observation.mounts.filter((m) => m.mountPoint === mountPoint).at(-1);
}

/** The probe: a busybox script that runs as the container process and prints what it sees. */
export const PROBE_SCRIPT = (): string => join(packageRoot(), 'src', 'probe', 'probe.sh');

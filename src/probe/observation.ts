import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { z } from 'zod';
import { AttributedError } from '../util/attributed-error.js';

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

/** The probe printed a fact, but it does not parse: a fault of rtconform's probe or parser. */
export class ProbeOutputError extends AttributedError {
  override name = 'ProbeOutputError';
  constructor(message: string, readonly output: string) {
    super(`${message}; the probe printed:\n${output.slice(0, 2000)}`, 'rtconform', 'bad-output');
  }
}

/**
 * The probe did not get to print what a check needs: the runtime did not run it as configured
 * (wrong args, no process at all), stopped it, or left it no room to work (a fork refused). That
 * is the runtime's doing, so a test that needs it fails.
 */
export class ProbeIncompleteError extends AttributedError {
  override name = 'ProbeIncompleteError';
  constructor(message: string, readonly output: string) {
    super(message, 'runtime', 'bad-output');
  }
}

/**
 * One field of an Observation that the probe did not print in full, thrown where the field is
 * read: a check is judged on the facts it needs, and where one is missing, its reason names it.
 */
export class ProbeFactMissingError extends ProbeIncompleteError {
  override name = 'ProbeFactMissingError';
  constructor(
    /** The Observation field read. */
    readonly field: keyof Observation,
    /** What the probe prints it from: a fact's key or a section's name. */
    readonly fact: string,
    message: string,
    output: string,
  ) {
    super(message, output);
  }
}

/** What is known of the container process beyond its output, for the reasons of missing facts. */
export interface ProbeProcess {
  /** Its exit code, as the runtime reported it. */
  exitCode?: number | undefined;
  /** What it wrote to stderr (the shell's own messages go there). */
  stderr?: string | undefined;
}

interface Section { lines: string[]; state: 'complete' | 'cut' | 'failed' }

/** The probe's output in parts: whole lines only, each fact and section as far as it got. */
interface Printed {
  text: string;
  /** Every whole line, in order. */
  lines: string[];
  /** A last line without its newline: perhaps cut mid-line, so not taken as a fact. */
  partial: string | undefined;
  /** Values of each fact key, in order (arg and ns repeat), and the line of its last one. */
  facts: Map<string, { values: string[]; lastLine: number }>;
  sections: Map<string, Section>;
  /** Parts whose shell failed (`failed NAME`), with the line printed before that, if any. */
  failed: Map<string, string | undefined>;
  /** `probe-done` was printed: the probe went through every part. */
  done: boolean;
}

/** Splits the probe's text into facts, sections, failed parts, and whether it got to its end. */
function split(text: string): Printed {
  const lines = text.split('\n');
  let partial: string | undefined;
  const last = lines.pop() ?? '';
  // A last line without its newline may have been cut mid-line, unless it is a whole marker.
  if (last === 'probe-done' || last === 'end') lines.push(last);
  else if (last !== '') partial = last;
  const printed: Printed = { text, lines, partial, facts: new Map(), sections: new Map(), failed: new Map(), done: false };
  let current: { name: string; section: Section } | undefined;
  // The last line with something on it: a failed part's shell message, where it went to the output.
  let before: string | undefined;
  for (const [index, line] of lines.entries()) {
    const begin = /^begin (\S+)$/.exec(line)?.[1];
    const failed = /^failed (\S+)$/.exec(line)?.[1];
    if (current) {
      if (line === 'end') current.section.state = 'complete';
      else if (failed === current.name) {
        current.section.state = 'failed';
        printed.failed.set(failed, before);
      } else if (begin === undefined && line !== 'probe-done') {
        current.section.lines.push(line);
        if (line !== '') before = line;
        continue;
      }
      const ended = current.section.state !== 'cut';
      current = undefined;
      if (ended) {
        before = line;
        continue;
      }
      // Cut short by what follows, which is read as anything outside a section is.
    }
    if (begin !== undefined) {
      current = { name: begin, section: { lines: [], state: 'cut' } };
      printed.sections.set(begin, current.section);
    } else if (line === 'probe-done') printed.done = true;
    else if (failed !== undefined) printed.failed.set(failed, before);
    else if (line.indexOf(' ') > 0) {
      const key = line.slice(0, line.indexOf(' '));
      const fact = printed.facts.get(key) ?? { values: [], lastLine: index };
      fact.values.push(line.slice(key.length + 1));
      fact.lastLine = index;
      printed.facts.set(key, fact);
    }
    if (line !== '') before = line;
  }
  return printed;
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


/** /proc/<pid>/status as name → value. */
function statusOf(lines: string[]): Map<string, string> {
  return new Map(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as const));
}

function rlimitsOf(lines: string[]): Record<string, { soft: number | 'unlimited'; hard: number | 'unlimited' }> {
  const rlimits: Record<string, { soft: number | 'unlimited'; hard: number | 'unlimited' }> = {};
  for (const line of lines) {
    const name = Object.keys(LIMIT_NAMES).find((n) => line.startsWith(n));
    if (!name) continue;
    const [soft, hard] = line.slice(name.length).trim().split(/\s+/);
    rlimits[LIMIT_NAMES[name]!] = { soft: limitValue(soft ?? ''), hard: limitValue(hard ?? '') };
  }
  return rlimits;
}

/** `name value` lines as a record. */
function pairs(lines: string[]): Record<string, string> {
  return Object.fromEntries(lines.map((l) => {
    const space = l.indexOf(' ');
    return space < 0 ? [l, ''] : [l.slice(0, space), l.slice(space + 1)];
  }));
}

/**
 * Where a field of the Observation comes from: one fact line (the first with its key), the run
 * of lines of a repeated fact (arg, ns), or a section; and how it is read from there.
 */
type Source =
  | { kind: 'fact'; key: string; read: (value: string) => unknown }
  | { kind: 'facts'; key: string; read: (values: string[]) => unknown }
  | { kind: 'section'; key: string; read: (lines: string[]) => unknown };

const fact = (key: string, read: (value: string) => unknown = (value) => value): Source => ({ kind: 'fact', key, read });
const facts = (key: string, read: (values: string[]) => unknown): Source => ({ kind: 'facts', key, read });
const section = (key: string, read: (lines: string[]) => unknown): Source => ({ kind: 'section', key, read });
const status = (read: (status: Map<string, string>) => unknown): Source => section('status', (lines) => read(statusOf(lines)));

const SOURCES: Record<keyof Observation, Source> = {
  args: facts('arg', (values) => values),
  env: section('env', (lines) => lines.filter((l) => l !== '')),
  cwd: fact('cwd'),
  umask: fact('umask'),
  hostname: fact('hostname'),
  domainname: fact('domainname'),
  oomScoreAdj: fact('oom_score_adj', Number),
  apparmor: fact('apparmor'),
  scheduler: fact('sched', scheduler),
  ioPriority: fact('ioprio', ioPriority),
  namespaces: facts('ns', (values) => Object.fromEntries(values.map((v) => v.split(' ') as [string, string]))),
  rootWritable: fact('root_writable', (value) => value === 'yes'),
  uid: status((s) => ids(s.get('Uid'))),
  gid: status((s) => ids(s.get('Gid'))),
  groups: status((s) => (s.get('Groups') ?? '').split(/\s+/).filter(Boolean).map(Number)),
  capabilities: status((s) => ({
    inheritable: capabilityNames(s.get('CapInh')), permitted: capabilityNames(s.get('CapPrm')),
    effective: capabilityNames(s.get('CapEff')), bounding: capabilityNames(s.get('CapBnd')),
    ambient: capabilityNames(s.get('CapAmb')),
  })),
  noNewPrivs: status((s) => s.get('NoNewPrivs') === '1'),
  seccomp: status((s) => Number(s.get('Seccomp') ?? 0)),
  rlimits: section('limits', rlimitsOf),
  mounts: section('mountinfo', (lines) => lines.map(mountOf).filter((m): m is Mount => m !== undefined)),
  cgroups: section('cgroup', (lines) => lines),
  cgroupFiles: section('cgroupfiles', pairs),
  paths: section('paths', (lines) => Object.fromEntries(lines.map(pathInfo).filter((e): e is [string, PathInfo] => e !== undefined))),
  sysctls: section('sysctls', pairs),
  fds: section('fds', (lines) => lines.flatMap((line) => {
    const m = /^(\d+) (\d*) (.*)$/.exec(line);
    // O_CLOEXEC is 02000000 in fdinfo's octal flags.
    return m ? [{ fd: Number(m[1]), target: m[3]!, closeOnExec: (Number.parseInt(m[2] || '0', 8) & 0o2000000) !== 0 }] : [];
  })),
  uidMap: section('uidmap', idMappings),
  gidMap: section('gidmap', idMappings),
  // Lines that are not `clock secs nanosecs` (the shell's error where the file is missing) are left out.
  timeOffsets: section('timens', (lines) => Object.fromEntries(lines.flatMap((line) => {
    const m = /^(\w+)\s+(-?\d+)\s+(\d+)$/.exec(line.trim());
    return m ? [[m[1]!, { secs: Number(m[2]), nanosecs: Number(m[3]) }]] : [];
  }))),
};

/** A line for a message: quoted, and cut if long. */
function quoted(line: string): string {
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);
}

/** What the probe prints a source as, for a message: `"hostname" line`, `"arg" lines`, `"env" section`. */
function described(source: Source): string {
  return `"${source.key}" ${source.kind === 'section' ? 'section' : source.kind === 'facts' ? 'lines' : 'line'}`;
}

/** What is known of the process that ran the probe, as phrases of a reason. */
function processFacts(container: ProbeProcess): string[] {
  const stderr = (container.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-2);
  return [
    ...(container.exitCode === undefined ? [] : [`the container process exited with code ${container.exitCode}`]),
    ...(stderr.length === 0 ? [] : [`its stderr ends: ${quoted(stderr.join(' / '))}`]),
  ];
}

/** Where the output ends, and what is known of the process: the evidence behind a missing fact. */
function whereItEnds(printed: Printed, container: ProbeProcess): string {
  const count = printed.lines.length;
  return [
    printed.partial === undefined ? `its last line: ${quoted(printed.lines.at(-1) ?? '')}` : `its last line, cut short: ${quoted(printed.partial)}`,
    `${count} line${count === 1 ? '' : 's'} printed`,
    ...processFacts(container),
  ].join('; ');
}

/** The value of one field, or the error reading it throws. */
function fieldOf(field: keyof Observation, printed: Printed, container: ProbeProcess): { value: unknown } | { error: () => Error } {
  const source = SOURCES[field];
  const what = described(source);
  const missing = (why: string) => ({ error: () => new ProbeFactMissingError(field, source.key, `observation.${field}: ${why}`, printed.text) });
  const ours = (why: string) => ({ error: () => new ProbeOutputError(`observation.${field}: ${why}`, printed.text) });
  if (printed.failed.has(source.key)) {
    // The shell's message is the line before `failed NAME` where the part sent its errors to the
    // output; else (the part's own `begin` or unfinished line) it went to stderr, or nowhere.
    const before = printed.failed.get(source.key);
    const own = before === undefined || before === `begin ${source.key}` || before.startsWith(`${source.key} `);
    const evidence = own ? processFacts(container) : [`the line before: ${quoted(before)}`, ...processFacts({ exitCode: container.exitCode })];
    return missing(`the probe's shell failed while printing its ${what}, and the probe went on without it`
      + (evidence.length === 0 ? '' : ` (${evidence.join('; ')})`));
  }
  let input: string | string[] | undefined;
  if (source.kind === 'fact') input = printed.facts.get(source.key)?.values[0];
  else if (source.kind === 'facts') {
    const printedFacts = printed.facts.get(source.key);
    // A run of lines is whole once the probe printed anything after it.
    if (printedFacts && !printed.done && printedFacts.lastLine === printed.lines.length - 1) {
      return missing(`the probe stopped while printing its ${what} (${whereItEnds(printed, container)})`);
    }
    input = printedFacts?.values;
  } else {
    const printedSection = printed.sections.get(source.key);
    if (printedSection?.state === 'cut') {
      return missing(`the probe stopped part-way through its ${what}, after ${printedSection.lines.length} of its lines (${whereItEnds(printed, container)})`);
    }
    input = printedSection?.lines;
  }
  if (input === undefined) {
    if (printed.done) return ours(`the probe went through to its end, but printed no ${what}`);
    if (printed.lines.length === 0 && printed.partial === undefined) {
      const evidence = processFacts(container);
      return missing(`the container process printed nothing, so not the probe's ${what} either:`
        + ` the runtime did not run the probe as configured${evidence.length === 0 ? '' : ` (${evidence.join('; ')})`}`);
    }
    return missing(`the probe stopped before printing its ${what} (${whereItEnds(printed, container)})`);
  }
  let value: unknown;
  try {
    value = (source.read as (input: string | string[]) => unknown)(input);
  } catch (error) {
    return ours(`the probe's ${what} does not parse: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = (ObservationSchema.shape[field] as z.ZodType).safeParse(value);
  if (!parsed.success) return ours(`the probe's ${what} does not parse: ${z.prettifyError(parsed.error)}`);
  return { value: parsed.data };
}

/**
 * Parses what src/probe/probe.sh printed, each field on its own: a field whose fact the probe
 * printed in full is there, checked; reading one it did not print (it stopped before, part-way
 * through, or its shell failed there) throws a ProbeFactMissingError that says which and why,
 * and reading one printed but not parseable throws a ProbeOutputError. What is known of the
 * `container` process (its exit code, its stderr) goes into those reasons.
 */
export function parseObservation(text: string, container: ProbeProcess = {}): Observation {
  const printed = split(text);
  const observation = {};
  for (const field of Object.keys(SOURCES) as (keyof Observation)[]) {
    const outcome = fieldOf(field, printed, container);
    // Enumerable either way: a copy or a comparison of the whole observation meets a missing field too.
    if ('value' in outcome) Object.defineProperty(observation, field, { value: outcome.value, enumerable: true, writable: true });
    else Object.defineProperty(observation, field, { get: () => { throw outcome.error(); }, enumerable: true });
  }
  return observation as Observation;
}

/** The mount at `mountPoint` that is visible (the last one mounted there), if any. */
export function mountAt(observation: Observation, mountPoint: string): Mount | undefined {
  return observation.mounts.filter((m) => m.mountPoint === mountPoint).at(-1);
}

/** The probe: a busybox script that runs as the container process and prints what it sees. */
export const PROBE_SCRIPT = (): string => join(packageRoot(), 'src', 'probe', 'probe.sh');

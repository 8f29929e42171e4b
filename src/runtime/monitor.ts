import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { constants as os } from 'node:os';
import { prettifyError, z } from 'zod';
import { fileContent } from '../util/file-content.js';

/**
 * A monitor, as cri-o runs every container: conmon starts the runtime's `create`, stays the
 * parent of the container's process (a subreaper), logs its output, and writes how it ended.
 * The adapter then asks the runtime for everything else (start, state, kill, delete) directly.
 */
export interface MonitorOptions {
  /** conmon as the runner sees it: a path, or a name on the target's PATH. */
  binary: string;
}

/** How a container's process ended, as its monitor saw it. */
export interface ExitStatus {
  /**
   * The process's exit code; for a process a signal killed, 128 + the signal's number (conmon's
   * convention, and a shell's). -1: the monitor could not learn it.
   */
  exitCode: number;
  /** The signal that killed it, read from an exit code above 128 (a process that exits 137 by itself reads as SIGKILL too). */
  signal: NodeJS.Signals | undefined;
  /** When the monitor recorded the exit: its exit file's time, as cri-o reads it. */
  finishedAt: Date;
  /**
   * Whether the monitor saw the kernel's OOM killer act in the container's memory cgroup (conmon's
   * `oom` file in the container's own persist dir, as cri-o reads it to say OOMKilled).
   */
  oomKilled: boolean;
}

/** One line of a container's output, as the monitor logged it (the CRI log format). */
export interface ContainerLogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  /** A piece of a longer line (P): the line goes on in the next entry. */
  partial: boolean;
  text: string;
}

/**
 * What conmon reports on its sync pipe: after a create, the container's pid; after an exec, the
 * process's exit code; -1 and the runtime's words when the runtime failed.
 */
const SyncSchema = z.union([
  z.object({ pid: z.number().int(), message: z.string().optional() }).transform(({ pid, message }) => ({ value: pid, message })),
  z.object({ exit_code: z.number().int(), message: z.string().optional() }).transform(({ exit_code, message }) => ({ value: exit_code, message })),
]);
export interface MonitorSync {
  /** The pid (create) or exit code (exec); -1: the runtime failed. */
  value: number;
  message: string | undefined;
}

// The text may hold carriage returns (a terminal writes them): only \n ends a line.
const LOG_LINE = /^(\S+) (stdout|stderr) ([FP]) ([^\n]*)$/;

/** Where one container's monitor keeps its files, under the runtime's scratch dir (shared with a target container). */
export class MonitorFiles {
  readonly exitDir: string;
  readonly socketDir: string;
  constructor(readonly dir: string, readonly id: string) {
    this.exitDir = join(dir, 'exits');
    this.socketDir = join(dir, 'sockets');
  }

  get exitFile(): string { return join(this.exitDir, this.id); }
  /** The container's own dir for conmon's state (`--persist-dir`): conmon writes `oom` there on an OOM kill. */
  get persistDir(): string { return join(this.dir, 'persist', this.id); }
  get oomFile(): string { return join(this.persistDir, 'oom'); }
  get log(): string { return join(this.dir, `${this.id}.log`); }
  get sync(): string { return join(this.dir, `${this.id}.sync`); }
  get pidFile(): string { return join(this.dir, `${this.id}.pid`); }
  get conmonPidFile(): string { return join(this.dir, `${this.id}.conmon.pid`); }
  /** conmon's own messages (not the container's). */
  get conmonOutput(): string { return join(this.dir, `${this.id}.conmon.out`); }

  /** A container id used again starts with none of the last one's files. */
  async reset(): Promise<void> {
    await mkdir(this.exitDir, { recursive: true });
    await mkdir(this.socketDir, { recursive: true });
    await Promise.all([this.exitFile, this.log, this.sync, this.pidFile, this.conmonPidFile, this.conmonOutput].map((f) => rm(f, { force: true })));
    await rm(this.persistDir, { recursive: true, force: true });
    await mkdir(this.persistDir, { recursive: true });
  }
}

/**
 * conmon's arguments for a create: `runtimeArgs` are the runtime's global flags (--root …),
 * passed before the verb, as the runtime gets them without a monitor.
 */
export function conmonCreateArgs(files: MonitorFiles, runtime: string, runtimeArgs: readonly string[], create: { bundle: string; pidFile?: string; noPivot?: boolean; noNewKeyring?: boolean; terminal: boolean }): string[] {
  return [
    // With a terminal, conmon makes the console socket, passes it to the runtime's create and
    // logs what the container writes to the terminal.
    ...(create.terminal ? ['--terminal'] : []),
    ...conmonArgs(files, files.id, runtime, runtimeArgs, create.pidFile),
    '--bundle', create.bundle,
    ...(create.noPivot ? ['--no-pivot'] : []),
    ...(create.noNewKeyring ? ['--no-new-keyring'] : []),
  ];
}

/** conmon's arguments for an exec with a terminal, as cri-o's ExecSync runs one: conmon holds the console. */
export function conmonExecArgs(files: MonitorFiles, containerId: string, runtime: string, runtimeArgs: readonly string[], processFile: string, timeoutSeconds: number): string[] {
  return [
    // --timeout: conmon kills the process past it, so the exec is bounded on the target too.
    '--exec', '--exec-process-spec', processFile, '--terminal', '--timeout', String(timeoutSeconds),
    ...conmonArgs(files, containerId, runtime, runtimeArgs),
  ];
}

/** What every conmon call names: the container, the runtime with its global flags, and the monitor's files. */
function conmonArgs(files: MonitorFiles, containerId: string, runtime: string, runtimeArgs: readonly string[], pidFile = files.pidFile): string[] {
  return [
    '--cid', containerId, '--cuuid', files.id, '--name', files.id,
    '--runtime', runtime, ...runtimeArgs.flatMap((a) => ['--runtime-arg', a]),
    '--exit-dir', files.exitDir,
    '--container-pidfile', pidFile,
    '--log-path', files.log,
    '--socket-dir-path', files.socketDir,
    '--conmon-pidfile', files.conmonPidFile,
    '--persist-dir', files.persistDir,
  ];
}

/**
 * Runs conmon on the target and returns once the runtime's create (or exec) has ended: conmon
 * forks its monitor and exits at once, and the monitor writes one JSON line to its sync pipe
 * (here the file on fd 3) when create is done (an exec: when its process has exited). A monitor
 * that dies before, which conmon does silently on some errors (a bundle path that does not
 * exist), ends the wait too: exit 125.
 * conmon opens a file named \`oom\` in its working directory when the container is OOM-killed
 * (cri-o runs it in the container's dir; the one rtconform reads is the one it also writes to
 * the container's own --persist-dir), so it runs in the monitor's dir (MONITOR_DIR), never in
 * the caller's: the relative --bundle and --container-pidfile it is given are made absolute
 * against the caller's first.
 * Its TMPDIR is a dir of the call's own, removed when the call ends (not when conmon returns:
 * the runtime's create may still be using it then). conmon makes its console socket there
 * (conmon-term.XXXXXX) and leaves it when the runtime fails before taking it (runsc refuses
 * `exec --tty`). The dir sits in the caller's TMPDIR, not in the monitor's dir: a socket's path
 * holds 107 bytes, and runsc, which sees the same TMPDIR, fails on a long one too.
 * Arguments: SYNC_FILE CONMON_PID_FILE MONITOR_DIR CONMON ARGS…
 */
export const CONMON_SCRIPT = `sync=$1 pidfile=$2 home=$3; shift 3
n=$# prev=
for a; do
  case $prev in --bundle|--container-pidfile) case $a in /*) ;; *) a=$PWD/$a ;; esac ;; esac
  set -- "$@" "$a"
  prev=$a
done
shift "$n"
cd "$home" || exit 125
tmp=$(mktemp -d "\${TMPDIR:-/tmp}/rtconform-conmon.XXXXXX") || exit 125
trap 'rm -rf "$tmp"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
exec 3>>"$sync"
TMPDIR=$tmp _OCI_SYNCPIPE=3 "$@" || exit
exec 3>&-
while [ ! -s "$sync" ]; do
  pid=
  read -r pid < "$pidfile" 2>/dev/null
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    [ -s "$sync" ] && break
    echo "conmon ended before the runtime's call did, and said nothing" >&2
    exit 125
  fi
  sleep 0.02
done`;

/** The sync message conmon wrote: the container's pid (an exec's exit code), or -1 and the runtime's words; else what is wrong with it. */
export function parseSync(text: string): MonitorSync | { unreadable: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { unreadable: 'not JSON' };
  }
  const parsed = SyncSchema.safeParse(json);
  return parsed.success ? parsed.data : { unreadable: prettifyError(parsed.error) };
}

/** The one field of a bundle's config.json the monitored create reads. */
const TerminalSchema = z.looseObject({ process: z.looseObject({ terminal: z.boolean().optional() }).optional() });

/**
 * Whether the bundle's process asks for a terminal, which the monitor must then hold (cri-o knows
 * from the spec it wrote). A config that cannot be read asks for none: the runtime will say why.
 */
export async function wantsTerminal(create: { bundle: string; workingDir?: string }): Promise<boolean> {
  const file = resolve(create.workingDir ?? '.', create.bundle, 'config.json');
  const parsed = TerminalSchema.safeParse(await readFile(file, 'utf8').then((text) => JSON.parse(text) as unknown, () => undefined));
  return parsed.success && parsed.data.process?.terminal === true;
}

/** The exit status once the monitor has written it; undefined if `stop` came first. */
export function exitStatus(files: MonitorFiles): { value: Promise<ExitStatus | undefined>; stop: () => void } {
  const watched = fileContent(files.exitFile, (text) => (/^-?\d+\s*$/.test(text) ? Number(text.trim()) : undefined));
  return {
    value: watched.value.then(async (exitCode) => {
      if (exitCode === undefined) return undefined;
      const { mtime } = await stat(files.exitFile);
      const signal = signalOf(exitCode);
      return { exitCode, signal, finishedAt: mtime, oomKilled: await oomSeen(files, signal === 'SIGKILL' ? OOM_AFTER_EXIT_MS : 0) };
    }),
    stop: watched.stop,
  };
}

/**
 * How long after a SIGKILL's exit file the monitor may still write its `oom` file: conmon reads
 * the cgroup's OOM event and the child's exit in one event loop, in either order.
 */
const OOM_AFTER_EXIT_MS = 1000;

/** Whether conmon wrote the container's `oom` file, waiting up to `waitMs` for it. */
async function oomSeen(files: MonitorFiles, waitMs: number): Promise<boolean> {
  const oom = fileContent(files.oomFile, () => true);
  const timer = setTimeout(oom.stop, waitMs);
  try {
    return (await oom.value) === true;
  } finally {
    clearTimeout(timer);
    oom.stop();
  }
}

function signalOf(exitCode: number): NodeJS.Signals | undefined {
  if (exitCode <= 128) return undefined;
  const number = exitCode - 128;
  return (Object.entries(os.signals) as [NodeJS.Signals, number][]).find(([, n]) => n === number)?.[0];
}

/** The output the log lines hold, as the process wrote it: a partial line goes on in the next. */
export function logText(lines: readonly ContainerLogLine[]): string {
  return lines.map((l) => l.text + (l.partial ? '' : '\n')).join('');
}

/** The monitor's log of a container's output, line by line; a line not in the CRI format is quoted in the error. */
export function parseContainerLog(text: string): ContainerLogLine[] {
  const lines: ContainerLogLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = LOG_LINE.exec(line);
    if (!m) throw new Error(`a line of the monitor's log is not in the CRI log format: ${JSON.stringify(line.slice(0, 200))}`);
    lines.push({ time: m[1]!, stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4]! });
  }
  return lines;
}

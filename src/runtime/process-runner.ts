import { spawn, type StdioOptions } from 'node:child_process';
import { openSync, closeSync, constants, readFileSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { lineage, procStat, ticksSinceBoot } from '../util/procfs.js';
import { capText } from '../util/text.js';
import { CappedOutput } from './capped-output.js';
import { RuntimeSpawnError } from './errors.js';
import { endKeptGroupOnHost, groupExists, type GroupEnd, type KeptGroup } from './process-groups.js';
import { killGroup } from '../util/kill-group.js';

/** Where runtime commands execute. The host today; a privileged container later. */
export interface Target {
  readonly kind: 'host' | 'container';
  readonly description: string;
  /**
   * How the work dir reaches the target: `bind` (the same dir), or `bridge` (sshfs over the
   * engine: regular files, dirs and symlinks only, no fifos or sockets). Absent: the host.
   */
  readonly fileSharing?: 'bind' | 'bridge';
}

export interface StdioFiles {
  /** A file to read stdin from; /dev/null when absent. */
  stdin?: string;
  /** Files (appended) for stdout and stderr; the container inherits them. */
  stdout?: string;
  stderr?: string;
}

export interface RunOptions {
  timeoutMs: number;
  /** What the command reads on stdin (ignored when stdio.stdin is given): text, or pieces fed as they come. */
  input?: Input;
  /**
   * Files instead of pipes. Needed whenever the runtime leaves a process behind that inherits
   * its stdio (create, run --detach): a pipe would keep the call open until the container exits.
   */
  stdio?: StdioFiles;
  /** Aborting kills the process and resolves with what it printed so far. */
  signal?: AbortSignal;
  env?: Record<string, string>;
  /** The working directory of the command. */
  cwd?: string;
  /** Bytes of stdout and stderr kept (DEFAULT_OUTPUT_CAPS when absent); the rest is cut, visibly. */
  outputCaps?: { stdoutBytes?: number; stderrBytes?: number };
  /**
   * Every call runs in a process group of its own. What the command leaves in it when it exits:
   * `end`, killed with it (a runtime's call: whatever a runtime forks and forgets goes); `keep`,
   * named in the result (`keptGroup`) for `endGroup` later (a call after which a container
   * lives on there: runsc's create leaves its gofer); absent, left alone (a helper that starts
   * a daemon of its own, which may take a moment to move to its own session after the command
   * exits). A call ended at its timeout or by `signal` loses its group whatever this says.
   */
  leftovers?: 'end' | 'keep';
  /**
   * A process the command starts and writes the pid of to `pidFile` (exec --pid-file). When
   * `end` aborts, that pid is SIGKILLed if /proc shows it is a process of this call (it descends
   * from the call's process); otherwise the call itself is ended, as by `signal`. The result's
   * `startedProcessEnd` says which.
   */
  startedProcess?: { pidFile: string; end: AbortSignal };
}

/** What aborting `RunOptions.startedProcess.end` ended. */
export interface StartedProcessEnd {
  /** The pid the pid file held, if it held one. */
  pid: number | undefined;
  /** `process`: that pid, a process of the call, was killed; `call`: it was not provably the call's, so the call was ended. */
  ended: 'process' | 'call';
  /** Why the call was ended instead, in words an error can quote. */
  reason?: string;
}

/** Text at once, or a stream of pieces (a Readable, an async generator) the process reads as they come, then end of file. */
export type Input = string | AsyncIterable<string | Uint8Array>;

export interface RunResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /** With `leftovers: 'keep'`: the call's group, when the command left processes in it. */
  keptGroup?: KeptGroup;
  /** With `startedProcess`, once its `end` aborted while the call ran. */
  startedProcessEnd?: StartedProcessEnd;
}

export interface ProcessRunner {
  readonly target: Target;
  run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
  /**
   * A bundle conmon can be given, where `bundle` itself cannot hold its fifos and socket (a run
   * dir shared over the file bridge); absent, or undefined: `bundle` as it is.
   */
  bundleForMonitor?(bundle: string, options: { timeoutMs: number; cwd?: string | undefined }): Promise<string | undefined>;
  /** Runs a long-lived command and yields its stdout line by line until it ends or `signal` aborts. */
  lines(file: string, args: readonly string[], options: { signal: AbortSignal; env?: Record<string, string> }): AsyncIterable<string>;
  /** Kills a group a call kept (`RunResult.keptGroup`) if /proc on the target shows it is still that call's. */
  endGroup(group: KeptGroup): Promise<GroupEnd>;
  isExecutable(file: string): Promise<boolean>;
}

/** The absolute path of a command on the PATH where `runner` runs it, or undefined. */
export async function commandPath(runner: ProcessRunner, command: string): Promise<string | undefined> {
  const result = await runner.run('sh', ['-c', 'command -v "$1"', 'which', command], { timeoutMs: 10_000 });
  const path = result.stdout.trim();
  return result.exitCode === 0 && path.startsWith('/') ? path : undefined;
}

/** Per-call caps on what is kept of a runtime's output (the rest is counted and cut, visibly). */
export const DEFAULT_OUTPUT_CAPS = { stdoutBytes: 1024 * 1024, stderrBytes: 256 * 1024 } as const;

/** After SIGTERM to a call's process group, how long before SIGKILL. */
const KILL_GRACE_MS = 2000;
/**
 * After the runtime exits, how long its pipes may stay open. Only a process the runtime left
 * behind keeps them open: one in the call's group dies with the call, so this is for one that
 * left the group (its own session) or a group kept; past this we stop reading rather than wait for it forever.
 */
const PIPE_GRACE_MS = 1000;

/**
 * Runs runtime calls on the host, bounded whatever the runtime does: each call gets a process
 * group of its own that is killed at the timeout and, unless kept, as soon as the call's process
 * exits (a runtime's children die with it), output is capped, and pipes that a leftover
 * grandchild holds open do not keep the call waiting.
 * Written on node:child_process rather than execa, which waits for every pipe to close and
 * signals only the direct child.
 */
export class HostProcessRunner implements ProcessRunner {
  readonly target: Target = { kind: 'host', description: 'host' };

  async run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    const started = performance.now();
    const fds: number[] = [];
    const open = (path: string, flags: number): number => {
      const fd = openSync(path, flags, 0o644);
      fds.push(fd);
      return fd;
    };
    const append = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
    try {
      const files = options.stdio;
      const stdio: StdioOptions = files
        ? [open(files.stdin ?? '/dev/null', constants.O_RDONLY), open(files.stdout ?? '/dev/null', append), open(files.stderr ?? '/dev/null', append)]
        // No input: stdin is /dev/null, which reads as the same end of file as an empty pipe
        // without the pipe's cost on every call.
        : [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
      return await boundedCall(file, args, options, stdio, started);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }

  async *lines(file: string, args: readonly string[], options: { signal: AbortSignal; env?: Record<string, string> }): AsyncIterable<string> {
    const child = spawn(file, args, { env: options.env ? { ...process.env, ...options.env } : undefined, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const stop = (): void => killGroup(child.pid, 'SIGKILL');
    options.signal.addEventListener('abort', stop, { once: true });
    try {
      await spawned.catch((error: unknown) => {
        throw new RuntimeSpawnError(file, error as NodeJS.ErrnoException);
      });
      yield* cappedLines(child.stdout!, DEFAULT_OUTPUT_CAPS.stdoutBytes);
    } finally {
      options.signal.removeEventListener('abort', stop);
      stop();
    }
  }

  async endGroup(group: KeptGroup): Promise<GroupEnd> {
    return endKeptGroupOnHost(group);
  }

  async isExecutable(file: string): Promise<boolean> {
    return (await executableProblem(file)) === undefined;
  }
}

/** Why `file` cannot be run as a program, or undefined when it can. */
export async function executableProblem(file: string): Promise<string | undefined> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) return info.code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read: ${info.message}`;
  if (info.isDirectory()) return `${file} is a directory, not a runtime binary`;
  if (!info.isFile()) return `${file} is not a regular file`;
  const runnable = await access(file, constants.X_OK).then(() => true, () => false);
  // Root passes access(X_OK) when any execute bit is set, so look at the bits as well.
  if (!runnable || (info.mode & 0o111) === 0) return `${file} is not executable (chmod +x it, or give the right path)`;
  return undefined;
}

function boundedCall(file: string, args: readonly string[], options: RunOptions, stdio: StdioOptions, started: number): Promise<RunResult> {
  const caps = { ...DEFAULT_OUTPUT_CAPS, ...options.outputCaps };
  const stdout = new CappedOutput(caps.stdoutBytes, 'stdout');
  const stderr = new CappedOutput(caps.stderrBytes, 'stderr');
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(file, args, {
      stdio, detached: true, cwd: options.cwd, env: options.env ? { ...process.env, ...options.env } : undefined,
    });
    let timedOut = false;
    let aborted = false;
    let heldOpen = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let leaderStartTicks: number | undefined;
    let keptGroup: KeptGroup | undefined;
    let startedProcessEnd: StartedProcessEnd | undefined;
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, fn: () => void): void => void timers.push(setTimeout(fn, ms));
    const streams = [child.stdout, child.stderr].filter((s) => s !== null);
    let open = streams.length;
    const finish = (): void => {
      if (exit === undefined || open > 0) return;
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      options.startedProcess?.end.removeEventListener('abort', onEndStarted);
      let stderrText = stderr.text();
      if (heldOpen) stderrText += `\n[rtconform: the runtime exited but a process it left behind kept its output open; stopped reading ${PIPE_GRACE_MS} ms later]`;
      resolve({
        exitCode: timedOut || aborted ? undefined : (exit.code ?? undefined),
        signal: exit.signal ?? undefined,
        stdout: stdout.text(),
        stderr: stderrText,
        timedOut,
        aborted,
        durationMs: performance.now() - started,
        ...(keptGroup === undefined ? {} : { keptGroup }),
        ...(startedProcessEnd === undefined ? {} : { startedProcessEnd }),
      });
    };
    const end = (): void => {
      // The child did not even exit after SIGKILL (stuck in the kernel): give up waiting for it.
      exit ??= { code: null, signal: 'SIGKILL' };
      for (const s of streams) s.destroy();
      open = 0;
      finish();
    };
    const stop = (): void => {
      killGroup(child.pid, 'SIGTERM');
      later(KILL_GRACE_MS, () => {
        killGroup(child.pid, 'SIGKILL');
        later(KILL_GRACE_MS, end);
      });
    };
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    // Synchronous from the exit check to the kill: the call's process is not reaped meanwhile, so its pid is still its own.
    const onEndStarted = (): void => {
      if (exit !== undefined || child.pid === undefined || startedProcessEnd !== undefined) return;
      const pidFile = options.startedProcess!.pidFile;
      const found = Number.parseInt(readText(pidFile), 10);
      const pid = Number.isInteger(found) && found > 0 ? found : undefined;
      const kin = pid === undefined ? undefined : lineage(pid, child.pid);
      if (kin === 'descendant') {
        signalPid(pid!, 'SIGKILL');
        startedProcessEnd = { pid, ended: 'process' };
        return;
      }
      const reason = pid === undefined ? `the pid file ${pidFile} held no pid`
        : kin === 'self' ? `pid ${pid} from the pid file is the call's own process`
          : `pid ${pid} from the pid file is not a process of this call`;
      startedProcessEnd = { pid, ended: 'call', reason };
      onAbort();
    };
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    for (const s of streams) {
      s.once('close', () => {
        open--;
        finish();
      });
    }
    child.once('error', (error: NodeJS.ErrnoException) => {
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      options.startedProcess?.end.removeEventListener('abort', onEndStarted);
      reject(new RuntimeSpawnError(file, error));
    });
    child.once('spawn', () => {
      if (options.leftovers === 'keep') leaderStartTicks = procStat(child.pid!)?.startTime;
      const input = options.input ?? '';
      if (typeof input === 'string') child.stdin?.end(input);
      // A process that stops reading or ends first only ends the feed: the call still ends as it does.
      else if (child.stdin) void pipeline(Readable.from(input), child.stdin).catch(() => undefined);
    });
    child.stdin?.on('error', () => undefined); // a runtime that never reads its stdin closes it early
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // What the command left in its group goes with it (one signal, no scan of /proc), unless a
      // container lives on there: then the group is named for `endGroup`. Its number is the
      // command's pid, reaped just now: pids come round again only after all the others.
      if (options.leftovers === 'keep' && !timedOut && !aborted && groupExists(child.pid!)) {
        keptGroup = { pgid: child.pid!, leaderStartTicks, endTicks: ticksSinceBoot() };
      } else if (options.leftovers !== undefined) {
        killGroup(child.pid, 'SIGKILL');
      }
      if (open > 0) {
        later(PIPE_GRACE_MS, () => {
          if (open === 0) return;
          heldOpen = true;
          for (const s of streams) s.destroy();
        });
      }
      finish();
    });
    later(options.timeoutMs, () => {
      timedOut = true;
      stop();
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    options.startedProcess?.end.addEventListener('abort', onEndStarted, { once: true });
    if (options.signal?.aborted) onAbort();
    if (options.startedProcess?.end.aborted) onEndStarted();
  });
}

/** A small file's text, or '' when it cannot be read. */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** Yields stdout line by line; a line longer than the cap is cut there and marked. */
async function* cappedLines(stream: Readable, capBytes: number): AsyncIterable<string> {
  let line = '';
  let dropping = false;
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    const parts = chunk.split('\n');
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      if (!dropping) line += parts[i];
      if (line.length > capBytes) {
        line = capText(line, capBytes, 'a line of output');
        dropping = true;
      }
      if (last) break;
      yield line;
      line = '';
      dropping = false;
    }
  }
  if (line !== '') yield line;
}

import { openSync, closeSync, constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { execa, type Options } from 'execa';

/** Where runtime commands execute. The host today; a privileged container later. */
export interface Target {
  readonly kind: 'host' | 'container';
  readonly description: string;
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
  /** Text written to stdin (ignored when stdio.stdin is given). */
  input?: string;
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
}

export interface RunResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

export interface ProcessRunner {
  readonly target: Target;
  run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
  /** Runs a long-lived command and yields its stdout line by line until it ends or `signal` aborts. */
  lines(file: string, args: readonly string[], options: { signal: AbortSignal; env?: Record<string, string> }): AsyncIterable<string>;
  /** Signals a pid as the target sees it (exec timeouts kill the exec'd process this way). */
  killPid(pid: number, signal: NodeJS.Signals): Promise<void>;
  isExecutable(file: string): Promise<boolean>;
}

type FileDescriptor = Options['stdout'];

/**
 * execa passes a numeric fd straight to the child (verified: the call returns while a process
 * that inherited it lives on), but its types only admit 0-9; this is the one cast for that.
 */
function asStdioOption(fd: number): FileDescriptor {
  return fd as unknown as FileDescriptor;
}

export class HostProcessRunner implements ProcessRunner {
  readonly target: Target = { kind: 'host', description: 'host' };

  async run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    const started = performance.now();
    const fds: number[] = [];
    const open = (path: string, flags: number): FileDescriptor => {
      const fd = openSync(path, flags, 0o644);
      fds.push(fd);
      return asStdioOption(fd);
    };
    const append = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
    try {
      const stdio = options.stdio;
      const execaOptions: Options = {
        reject: false,
        timeout: options.timeoutMs,
        forceKillAfterDelay: 2000,
        cancelSignal: options.signal,
        stripFinalNewline: false,
        env: options.env,
        cwd: options.cwd,
        stdin: stdio ? (open(stdio.stdin ?? '/dev/null', constants.O_RDONLY) as Options['stdin']) : 'pipe',
        stdout: stdio ? open(stdio.stdout ?? '/dev/null', append) : 'pipe',
        stderr: stdio ? open(stdio.stderr ?? '/dev/null', append) : 'pipe',
        ...(stdio === undefined ? { input: options.input ?? '' } : {}),
      };
      const result = await execa(file, args, execaOptions);
      return {
        exitCode: result.exitCode,
        signal: result.signal,
        stdout: typeof result.stdout === 'string' ? result.stdout : '',
        stderr: typeof result.stderr === 'string' ? result.stderr : '',
        timedOut: result.timedOut,
        aborted: result.isCanceled,
        durationMs: performance.now() - started,
      };
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }

  async *lines(file: string, args: readonly string[], options: { signal: AbortSignal; env?: Record<string, string> }): AsyncIterable<string> {
    const subprocess = execa(file, args, { reject: false, cancelSignal: options.signal, env: options.env, stdin: 'ignore', stderr: 'ignore' });
    try {
      for await (const line of subprocess.iterable()) yield line;
    } finally {
      if (subprocess.exitCode === null) subprocess.kill('SIGKILL');
      await subprocess;
    }
  }

  async killPid(pid: number, signal: NodeJS.Signals): Promise<void> {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  async isExecutable(file: string): Promise<boolean> {
    return access(file, constants.X_OK).then(() => true, () => false);
  }
}

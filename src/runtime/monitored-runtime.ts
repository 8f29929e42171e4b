import { rm, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessSpec } from '../spec/config.js';
import type { CreateOptions, ExecOptions } from './argv.js';
import { CliRuntime, isArgv, tail, type CliRuntimeOptions } from './cli-runtime.js';
import { ContainerWaitError, ExecTimeoutError, RuntimeError, RuntimeOutputError, RuntimeTimeoutError, UnsupportedOperationError } from './errors.js';
import {
  CONMON_SCRIPT, conmonCreateArgs, conmonExecArgs, exitStatus, logText, MonitorFiles, parseContainerLog, parseSync, wantsTerminal,
  type ContainerLogLine, type ExitStatus, type MonitorOptions, type MonitorSync,
} from './monitor.js';
import { DEFAULT_OUTPUT_CAPS, type Input } from './process-runner.js';
import type { ExecResult, MonitoredRuntime, WaitOptions } from './runtime.js';
import { waitForStatus } from './wait-for-status.js';

export interface MonitoredCliRuntimeOptions extends CliRuntimeOptions {
  /** The monitor containers are created under (conmon, as cri-o runs every container). */
  monitor: MonitorOptions;
}

/**
 * A runtime whose containers are created under a monitor, as cri-o creates them under conmon:
 * the verbs of CliRuntime, and what only a monitor gives — `wait` (the exit status it records),
 * `logs` (the output it holds), `attach` (input to the container's terminal or stdin) and an
 * exec with a terminal. A plain CliRuntime has none of these, so none of its methods throws for
 * want of a monitor.
 */
export class MonitoredCliRuntime extends CliRuntime implements MonitoredRuntime {
  readonly monitor: MonitorOptions;

  constructor(options: MonitoredCliRuntimeOptions) {
    super(options);
    this.monitor = options.monitor;
  }

  /** An exec with a terminal goes through the monitor; any other is the runtime's own exec. */
  override async exec(id: string, process: ProcessSpec | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (!options.tty) return super.exec(id, process, options);
    this.ensureSupported('exec');
    return this.#execOnTerminal(id, process, options);
  }

  /** Create under the monitor: conmon runs the runtime's create, and says how it ended. */
  override async create(id: string, options: CreateOptions): Promise<void> {
    this.ensureSupported('create');
    if (options.stdio || options.consoleSocket) {
      throw new UnsupportedOperationError(this.name, 'create with stdio files or a console socket under a monitor', 'the monitor holds the container\'s stdio: read its output with logs(id)');
    }
    const files = this.#monitorFiles(id);
    await files.reset();
    const timeoutMs = options.timeoutMs ?? this.callTimeoutMs;
    // Where the run dir cannot hold conmon's fifos and socket (the file bridge), the runner gives a bundle that can.
    const bundle = await this.runner.bundleForMonitor?.(options.bundle, { timeoutMs, cwd: options.workingDir }) ?? options.bundle;
    const argv = [this.monitor.binary, ...conmonCreateArgs(files, this.binary, this.globalArgs(), { ...options, bundle, terminal: await wantsTerminal(options) })];
    await this.#runConmon('create', files, argv, { timeoutMs, cwd: options.workingDir, container: id });
    await waitForStatus(this, id, 'created', options.waitTimeoutMs ?? this.callTimeoutMs);
  }

  /** Where the monitor keeps a container's files (`scope` apart: an exec's must not meet its container's). */
  #monitorFiles(id: string, scope: 'container' | 'exec' = 'container'): MonitorFiles {
    return new MonitorFiles(join(this.workDir, 'monitor', ...(scope === 'exec' ? ['exec'] : [])), id);
  }

  /**
   * Runs conmon (CONMON_SCRIPT) until the runtime's call has ended, and returns what conmon
   * reported on its sync pipe. The errors quote conmon's command: the shell only waits for it.
   */
  async #runConmon(verb: string, files: MonitorFiles, argv: string[], options: { timeoutMs: number; cwd?: string; container: string }): Promise<MonitorSync> {
    const result = await this.runner.run('sh', ['-c', CONMON_SCRIPT, `rtconform-monitored-${verb}`, files.sync, files.conmonPidFile, files.dir, ...argv], {
      timeoutMs: options.timeoutMs, env: this.env, cwd: options.cwd,
      // The monitor keeps its stdio: files, never our pipes.
      stdio: { stdin: '/dev/null', stdout: files.conmonOutput, stderr: files.conmonOutput },
      // conmon leaves the group (it daemonizes); whatever stays lives with the container.
      leftovers: 'keep',
    });
    await this.keep(options.container, result, result.exitCode !== 0);
    const words = await tail(files.conmonOutput);
    if (result.timedOut) throw new RuntimeTimeoutError(verb, argv, options.timeoutMs, words, undefined);
    const text = await readFile(files.sync, 'utf8').catch(() => '');
    const sync = parseSync(text);
    // A failure the runtime's call reported through the monitor is the runtime's refusal, in its words.
    if ('value' in sync && sync.value < 0) throw new RuntimeError(verb, argv, undefined, sync.message ?? words, undefined);
    // Otherwise a monitor that failed, or said what it must not, failed on its own.
    if (result.exitCode !== 0) throw new RuntimeError(verb, argv, result.exitCode, words, undefined, { who: 'monitor', signal: result.signal });
    if ('unreadable' in sync) throw new RuntimeOutputError(verb, [...argv, '(sync pipe)'], text, sync.unreadable, 'monitor');
    return sync;
  }

  /** What the monitor logged of a process: the last megabyte (a process may write without end), from its first whole line. */
  async #readLog(files: MonitorFiles): Promise<ContainerLogLine[]> {
    const text = await tail(files.log, DEFAULT_OUTPUT_CAPS.stdoutBytes);
    const whole = text.length === DEFAULT_OUTPUT_CAPS.stdoutBytes ? text.slice(text.indexOf('\n') + 1) : text;
    try {
      return parseContainerLog(whole);
    } catch (error) {
      throw new RuntimeOutputError('logs', [this.monitor.binary, '--log-path', files.log], whole, (error as Error).message, 'monitor');
    }
  }

  async wait(id: string, options: WaitOptions = {}): Promise<ExitStatus> {
    const files = this.#monitorFiles(id);
    const timeoutMs = options.timeoutMs ?? this.callTimeoutMs;
    const status = exitStatus(files);
    const timer = setTimeout(status.stop, timeoutMs);
    options.signal?.addEventListener('abort', status.stop, { once: true });
    try {
      const ended = await status.value;
      if (ended === undefined) {
        const last = await this.status(id).catch(() => undefined);
        throw new ContainerWaitError(id, 'exited', last, options.signal?.aborted ? 'waiting was aborted' : `the monitor recorded no exit within ${timeoutMs} ms`);
      }
      return ended;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', status.stop);
      status.stop();
    }
  }

  /**
   * Under a monitor: writes `input` to the container's terminal (or stdin), as cri-o's
   * AttachContainer does, through conmon's attach socket. That socket is SOCK_SEQPACKET, which
   * node cannot open: socat on the target does (the runtimes image has it).
   */
  async attach(id: string, input: Input, options: { timeoutMs?: number } = {}): Promise<void> {
    const files = this.#monitorFiles(id);
    // From conmon's short link to the container's dir: a socket path may not exceed 107 bytes.
    const argv = ['socat', '-u', 'STDIN', 'UNIX-CONNECT:attach,socktype=5'];
    const result = await this.runner.run(argv[0]!, argv.slice(1), { timeoutMs: options.timeoutMs ?? this.callTimeoutMs, input, cwd: join(files.socketDir, id) });
    // socat is rtconform's helper: where it fails or hangs, the runtime is not to blame.
    if (result.timedOut) throw new RuntimeTimeoutError('attach', argv, options.timeoutMs ?? this.callTimeoutMs, result.stderr, undefined, 'rtconform');
    if (result.exitCode !== 0) throw new RuntimeError('attach', argv, result.exitCode, result.stderr, undefined, { who: 'rtconform', signal: result.signal });
  }

  async logs(id: string): Promise<ContainerLogLine[]> {
    return this.#readLog(this.#monitorFiles(id));
  }

  /**
   * An exec with a terminal needs someone to hold the console: the monitor, as cri-o's ExecSync
   * does it (conmon --exec --terminal). What the process wrote to the terminal is its stdout.
   */
  async #execOnTerminal(id: string, process: ProcessSpec | readonly string[], options: ExecOptions): Promise<ExecResult> {
    if (options.detach || options.input !== undefined || options.pidFile !== undefined) {
      throw new UnsupportedOperationError(this.name, 'exec with a terminal and detach, input or a pid file', 'the monitor runs a terminal exec to its end and holds its stdio');
    }
    // Files of their own: conmon names an exec's exit file after the container, and the
    // container's own exit file must stay the container's.
    const files = this.#monitorFiles(`${id}-${this.nextSeq()}`, 'exec');
    await files.reset();
    const spec: ProcessSpec = isArgv(process)
      ? { args: [...process], cwd: options.cwd ?? '/', env: options.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], user: userOf(options.user) }
      : { ...process };
    spec.terminal = true;
    const processFile = join(files.dir, `${files.id}-process.json`);
    await writeFile(processFile, JSON.stringify(spec));
    const timeoutMs = options.timeoutMs ?? this.callTimeoutMs;
    const argv = [this.monitor.binary, ...conmonExecArgs(files, id, this.binary, this.globalArgs(), processFile, Math.ceil(timeoutMs / 1000))];
    const output = async (): Promise<string> => logText(await this.#readLog(files));
    try {
      // conmon ends the process at its timeout and reports it; ours is the backstop.
      const sync = await this.#runConmon('exec', files, argv, { timeoutMs: timeoutMs + 5000, container: id }).catch(async (error: unknown) => {
        if (error instanceof RuntimeTimeoutError) {
          throw new ExecTimeoutError(id, timeoutMs, await output(), error.stderr, `the monitor had not ended it 5000 ms later: the monitor's call was ended instead; the exec'd process may live on`);
        }
        throw error;
      });
      return { exitCode: sync.value, stdout: await output(), stderr: '' };
    } finally {
      await rm(processFile, { force: true });
    }
  }
}

/** `uid[:gid]` as exec --user takes it, as a process spec's user; root when absent. */
function userOf(user: string | undefined): NonNullable<ProcessSpec['user']> {
  const [uid, gid] = (user ?? '0:0').split(':').map(Number);
  return { uid: uid ?? 0, gid: gid ?? 0 };
}


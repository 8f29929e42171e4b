import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { prettifyError } from 'zod';
import type { LinuxResources, ProcessSpec } from '../spec/config.js';
import {
  checkpointArgs, createArgs, deleteArgs, execArgs, killArgs, restoreArgs, runArgs, signalArg, updateArgs,
  type CheckpointOptions, type CreateOptions, type DeleteOptions, type ExecOptions, type KillOptions,
  type RestoreOptions, type RunContainerOptions, type UpdateOptions,
} from './argv.js';
import {
  ContainerWaitError, ExecTimeoutError, MonitorRequiredError, RuntimeError, RuntimeOutputError, RuntimeTimeoutError, UnsupportedOperationError,
} from './errors.js';
import { CRIU_LOGS, criuErrors } from './criu-log.js';
import { recordInLedger, type KeptGroup } from './process-groups.js';
import { type Input, type ProcessRunner, type RunOptions, type RunResult, type StdioFiles } from './process-runner.js';
import type { RuntimeProfile, Verb } from './profiles.js';
import { waitForStatus } from './wait-for-status.js';
import type { EventsOptions, ExecResult, PlainExecOptions, Runtime, RuntimeVersion, StopOptions } from './runtime.js';
import {
  ContainerStateSchema, EventSchema, FeaturesSchema, ListSchema, PsSchema, StatsSchema,
  type ContainerState, type ContainerStatus, type Features, type ListEntry, type RuntimeEvent, type Stats,
} from './schemas.js';
import { lastErrorIn } from './runtime-log.js';

export interface CliRuntimeOptions {
  profile: RuntimeProfile;
  /** The binary as the runner sees it. */
  binary: string;
  runner: ProcessRunner;
  /** Scratch space for per-call logs, process files and default container stdio. */
  workDir: string;
  /** The runtime's state root (`--root`); the runtime's default when absent. */
  root?: string;
  /** Default limit for one call. */
  callTimeoutMs?: number;
  /** Extra environment for every call (the fake runtime reads its fault modes from here). */
  env?: Record<string, string>;
}

interface CallOptions {
  timeoutMs?: number;
  cwd?: string;
  stdio?: StdioFiles;
  input?: Input;
  signal?: AbortSignal;
  /** Where the runtime logs this call; kept afterwards. */
  logFile?: string;
  /**
   * Whether the log's last error matters only when the call failed (exit code not 0): a call
   * that succeeded then skips reading it. run and exec read it always: their exit code is the
   * process's, so only the log tells a runtime's error from it.
   */
  logOnlyOnFailure?: boolean;
  /** A container lives on in what this call leaves in its process group (RunOptions.leftovers 'keep'); else what it leaves there goes. */
  keepGroup?: boolean;
  startedProcess?: RunOptions['startedProcess'];
}

interface CallResult extends RunResult {
  argv: string[];
  logError: string | undefined;
}

export class CliRuntime implements Runtime {
  readonly name: string;
  readonly binary: string;
  readonly profile: RuntimeProfile;
  readonly target;
  /** Where the runtime's calls run: what a subclass (the monitored runtime) runs its own with. */
  protected readonly runner: ProcessRunner;
  /** Scratch space for per-call logs, process files and default container stdio. */
  protected readonly workDir: string;
  readonly #root: string | undefined;
  protected readonly callTimeoutMs: number;
  protected readonly env: Record<string, string> | undefined;
  #seq = 0;
  /** A number of this runtime's own, for the names of a call's files. */
  protected nextSeq(): number {
    return ++this.#seq;
  }
  /** The process groups calls kept for each container (create's, run --detach's…), ended when it is deleted. */
  readonly #kept = new Map<string, KeptGroup[]>();

  constructor(options: CliRuntimeOptions) {
    this.profile = options.profile;
    this.name = options.profile.name;
    this.binary = options.binary;
    this.runner = options.runner;
    this.target = options.runner.target;
    this.workDir = options.workDir;
    this.#root = options.root;
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.env = options.env;
  }

  async version(): Promise<RuntimeVersion> {
    // A runtime that cannot say its version cannot be driven: exiting non-zero is an error.
    const result = await this.#check('version', ['--version'], { noLog: true });
    const raw = result.stdout.trim();
    return {
      raw,
      version: /version\s+(\S+)/i.exec(raw)?.[1],
      spec: /^spec:\s*(\S+)/im.exec(raw)?.[1],
      commit: /^commit:\s*(\S+)/im.exec(raw)?.[1],
    };
  }

  async features(): Promise<Features> {
    this.ensureSupported('features');
    const result = await this.#call('features', ['features']);
    return this.#parse('features', result, FeaturesSchema);
  }

  async create(id: string, options: CreateOptions): Promise<void> {
    this.ensureSupported('create');
    const stdio = await this.#containerStdio(id, options.stdio);
    const result = await this.#call('create', createArgs(id, options), { stdio, cwd: options.workingDir, logFile: options.logFile, timeoutMs: options.timeoutMs, logOnlyOnFailure: true, keepGroup: true });
    await this.keep(id, result, result.exitCode !== 0);
    if (result.exitCode !== 0) throw await this.#failure('create', result, stdio);
    await waitForStatus(this, id, 'created', options.waitTimeoutMs ?? this.callTimeoutMs);
  }

  async start(id: string): Promise<void> {
    this.ensureSupported('start');
    await this.#check('start', ['start', id]);
  }

  async run(id: string, options: RunContainerOptions): Promise<{ exitCode: number | undefined }> {
    this.ensureSupported('run');
    const stdio = await this.#containerStdio(id, options.stdio);
    const result = await this.#call('run', runArgs(id, options), {
      stdio,
      timeoutMs: options.timeoutMs,
      logFile: options.logFile,
      keepGroup: options.detach,
    });
    if (options.detach) {
      await this.keep(id, result, result.exitCode !== 0);
      if (result.exitCode !== 0) throw await this.#failure('run', result, stdio);
      return { exitCode: undefined };
    }
    if (result.logError !== undefined) throw await this.#failure('run', result, stdio);
    return { exitCode: result.exitCode };
  }

  async state(id: string): Promise<ContainerState> {
    this.ensureSupported('state');
    const result = await this.#check('state', ['state', id]);
    return this.#parse('state', result, ContainerStateSchema);
  }

  async status(id: string): Promise<ContainerStatus> {
    return (await this.state(id)).status;
  }

  async list(): Promise<ListEntry[]> {
    this.ensureSupported('list');
    const result = await this.#check('list', ['list', '--format', 'json']);
    return this.#parse('list', result, ListSchema);
  }

  async exec(id: string, process: ProcessSpec | readonly string[], options: PlainExecOptions = {}): Promise<ExecResult> {
    this.ensureSupported('exec');
    // Typed out of this class's exec (Runtime's takes no tty); a caller without types still gets told.
    if ((options as ExecOptions).tty) throw new MonitorRequiredError(this.name, 'exec with a terminal');
    const n = this.nextSeq();
    let processFile: string | undefined;
    let argv: readonly string[] = [];
    if (isArgv(process)) {
      argv = process;
    } else {
      processFile = join(await this.scratch(), `exec-${n}-process.json`);
      await writeFile(processFile, JSON.stringify(process));
    }
    const timeoutMs = options.detach ? undefined : options.timeoutMs;
    // Past a timeout the process is ended by its pid: the host's from --pid-file, or the
    // runtime's own where only the runtime reaches the process (profile.execPidInRuntime).
    const inRuntime = timeoutMs === undefined ? undefined : this.profile.execPidInRuntime;
    const ownPidFile = timeoutMs === undefined ? undefined : join(await this.scratch(), `exec-${n}.pid`);
    const pidFile = options.pidFile ?? (inRuntime === undefined ? ownPidFile : undefined);
    const args = execArgs(id, { ...options, pidFile, processFile }, argv);
    if (inRuntime) args.splice(1, 0, inRuntime.pidFileFlag, ownPidFile!);
    try {
      if (timeoutMs === undefined) {
        // A detached process outlives the call with its stdio: files, never our pipes; and what
        // the call leaves in its group (runsc's exec client) lives with the container.
        const stdio = options.detach ? await this.#containerStdio(`${id}-exec-${n}`, undefined) : undefined;
        const result = await this.#call('exec', args, { input: options.input, stdio, keepGroup: options.detach });
        const failed = result.exitCode === undefined || result.logError !== undefined || result.timedOut || (options.detach === true && result.exitCode !== 0);
        await this.keep(id, result, failed);
        if (result.exitCode === undefined || result.logError !== undefined || result.timedOut) throw await this.#failure('exec', result);
        return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
      }
      return await this.#execWithTimeout(id, args, timeoutMs, options.input, inRuntime ? { runtimePidFile: ownPidFile! } : { pidFile: pidFile! });
    } finally {
      if (processFile) await rm(processFile, { force: true });
      if (ownPidFile) await rm(ownPidFile, { force: true });
    }
  }

  /**
   * Like cri-o's ExecSync: past the deadline the exec'd process is ended and the output kept.
   * The pid in `pidFile` is killed only where /proc shows it is a process of this call (the
   * runner checks; else the call is ended instead); with `runtimePidFile`, the runtime's own
   * kill ends the pid it wrote there. The exec call normally ends with its process: if not, it
   * is ended 2 s later. The error says which of these happened.
   */
  async #execWithTimeout(id: string, args: string[], timeoutMs: number, input: Input | undefined, files: { pidFile: string } | { runtimePidFile: string }): Promise<ExecResult> {
    const endProcess = new AbortController();
    const endCall = new AbortController();
    let ending: Promise<{ words: string; endedCall: boolean } | undefined> | undefined;
    const timer = setTimeout(() => {
      ending = 'runtimePidFile' in files ? this.#killInRuntime(id, files.runtimePidFile, endCall) : Promise.resolve(undefined);
      endProcess.abort();
      setTimeout(() => endCall.abort(), 2000).unref();
    }, timeoutMs);
    try {
      const result = await this.#call('exec', args, {
        input, signal: endCall.signal, timeoutMs: timeoutMs + 10_000,
        ...('pidFile' in files ? { startedProcess: { pidFile: files.pidFile, end: endProcess.signal } } : {}),
      });
      if (ending !== undefined) {
        const ended = (await ending) ?? startedProcessWords(result);
        const words = result.aborted && !ended.endedCall ? `${ended.words}; the exec call did not end after it and was ended too` : ended.words;
        throw new ExecTimeoutError(id, timeoutMs, result.stdout, result.stderr, words);
      }
      if (result.exitCode === undefined || result.logError !== undefined) throw await this.#failure('exec', result);
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends an exec'd process through the runtime (profile.execPidInRuntime), by the pid it wrote as it sees it; else ends the call. */
  async #killInRuntime(id: string, runtimePidFile: string, endCall: AbortController): Promise<{ words: string; endedCall: boolean }> {
    const { pidFileFlag, killPidFlag } = this.profile.execPidInRuntime!;
    const found = Number.parseInt(await readFile(runtimePidFile, 'utf8').catch(() => ''), 10);
    const instead = 'ended the exec call instead; the exec\'d process may live on';
    if (!(Number.isInteger(found) && found > 0)) {
      endCall.abort();
      return { words: `${this.name} wrote no pid to ${pidFileFlag}: ${instead}`, endedCall: true };
    }
    const argv = ['kill', killPidFlag, String(found), id, 'KILL'];
    try {
      await this.#check('kill', argv, { timeoutMs: 10_000 });
      return { words: `the process (pid ${found} as ${this.name} sees it) was killed through \`${this.name} ${argv.join(' ')}\``, endedCall: false };
    } catch (error) {
      endCall.abort();
      return { words: `\`${this.name} ${argv.join(' ')}\` failed (${(error as Error).message}): ${instead}`, endedCall: true };
    }
  }

  async kill(id: string, signal: string | number = 'TERM', options: KillOptions = {}): Promise<void> {
    this.ensureSupported('kill');
    await this.#check('kill', killArgs(id, signalArg(signal), options));
  }

  async stop(id: string, options: StopOptions = {}): Promise<'exited' | 'killed'> {
    const graceMs = options.graceMs ?? 10_000;
    if ((await this.status(id)) === 'stopped') return 'exited';
    await this.kill(id, options.signal ?? 'TERM').catch(() => undefined);
    try {
      await waitForStatus(this, id, 'stopped', graceMs);
      return 'exited';
    } catch (error) {
      if (!(error instanceof ContainerWaitError)) throw error;
    }
    await this.kill(id, 'KILL', { all: true }).catch(() => this.kill(id, 'KILL'));
    await waitForStatus(this, id, 'stopped', this.callTimeoutMs);
    return 'killed';
  }

  async delete(id: string, options: DeleteOptions = {}): Promise<void> {
    this.ensureSupported('delete');
    await this.#check('delete', deleteArgs(id, options));
    await this.#endKept(id);
  }

  /**
   * What a call left in its process group lives with container `id` until it is deleted; a call
   * that failed leaves nothing that may live on, so its group is ended now.
   */
  protected async keep(id: string, result: RunResult, failed: boolean): Promise<void> {
    const group = result.keptGroup;
    if (group === undefined) return;
    if (failed) return this.#endGroup(group, `a failed call on container ${id}`);
    this.#kept.set(id, [...(this.#kept.get(id) ?? []), group]);
    // On the host only: a sweep ends what the ledger names with the host's /proc, and a target
    // container's groups (its own pids) end with the target.
    if (this.target.kind === 'host') await recordInLedger(this.workDir, ['kept', id, group]).catch(() => undefined);
  }

  /** Ends the groups kept for container `id`, now deleted. */
  async #endKept(id: string): Promise<void> {
    const groups = this.#kept.get(id) ?? [];
    this.#kept.delete(id);
    for (const group of groups) {
      await this.#endGroup(group, `a call on container ${id}, now deleted`);
      if (this.target.kind === 'host') await recordInLedger(this.workDir, ['done', id, group.pgid]).catch(() => undefined);
    }
  }

  /** Kills a kept group where it is still provably the call's; says nothing if it is empty. */
  async #endGroup(group: KeptGroup, call: string): Promise<void> {
    const end = await this.runner.endGroup(group).catch((error: unknown) => ({ outcome: 'not ours' as const, members: [], reason: String(error) }));
    if (end.outcome === 'ended') {
      process.emitWarning(`${this.name} left processes in the process group of ${call}: killed ${end.members.join(', ')}`, { code: 'RTCONFORM_LEFTOVER_PROCESSES' });
    } else if (end.outcome === 'not ours') {
      process.emitWarning(`${this.name}: process group ${group.pgid} of ${call} was left alone, as it may not be that call's any more: ${end.reason} (${end.members.join(', ')})`, { code: 'RTCONFORM_LEFTOVER_PROCESSES' });
    }
  }

  async pause(id: string): Promise<void> {
    this.ensureSupported('pause');
    await this.#check('pause', ['pause', id]);
  }

  async resume(id: string): Promise<void> {
    this.ensureSupported('resume');
    await this.#check('resume', ['resume', id]);
  }

  async ps(id: string): Promise<number[]> {
    this.ensureSupported('ps');
    const result = await this.#check('ps', ['ps', '--format', 'json', id]);
    return this.#parse('ps', result, PsSchema);
  }

  async stats(id: string): Promise<Stats> {
    this.ensureSupported('events');
    const result = await this.#check('events', ['events', '--stats', id]);
    const event = this.#parse('events', result, EventSchema);
    const parsed = StatsSchema.safeParse(event.data);
    if (!parsed.success) throw new RuntimeOutputError('events', result.argv, result.stdout, prettifyError(parsed.error));
    // The middle of the call: the runtime read its counters somewhere in it.
    return { ...parsed.data, readAt: new Date(Date.now() - result.durationMs / 2).toISOString() };
  }

  async *events(id: string, options: EventsOptions): AsyncIterable<RuntimeEvent> {
    this.ensureSupported('events');
    const seconds = `${Math.max(1, Math.round((options.intervalMs ?? 1000) / 1000))}s`;
    const argv = [...this.globalArgs(), 'events', '--interval', seconds, id];
    for await (const line of this.runner.lines(this.binary, argv, { signal: options.signal, env: this.env })) {
      if (line.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new RuntimeOutputError('events', [this.binary, ...argv], line, 'a line that is not JSON');
      }
      const parsed = EventSchema.safeParse(json);
      if (!parsed.success) throw new RuntimeOutputError('events', [this.binary, ...argv], line, prettifyError(parsed.error));
      yield parsed.data;
    }
  }

  async checkpoint(id: string, options: CheckpointOptions): Promise<void> {
    this.ensureSupported('checkpoint');
    // crun wants both to exist; runc makes them. Paths are shared with a target container.
    await mkdirs(options.imagePath, options.workPath);
    await this.#check('checkpoint', checkpointArgs(id, options), {
      timeoutMs: options.timeoutMs, toolWords: () => criuErrors(options.workPath ?? options.imagePath, CRIU_LOGS.checkpoint),
    });
  }

  async restore(id: string, options: RestoreOptions): Promise<{ exitCode: number | undefined }> {
    this.ensureSupported('restore');
    await mkdirs(options.workPath);
    const stdio = await this.#containerStdio(id, options.stdio);
    const result = await this.#call('restore', restoreArgs(id, options), { stdio, timeoutMs: options.timeoutMs, logOnlyOnFailure: true, keepGroup: true });
    const failed = result.exitCode !== 0 && (options.detach || result.logError !== undefined);
    await this.keep(id, result, failed);
    if (failed) throw await this.#failure('restore', result, stdio, await criuErrors(options.workPath ?? options.imagePath, CRIU_LOGS.restore));
    return { exitCode: options.detach ? undefined : result.exitCode };
  }

  async update(id: string, resources: LinuxResources, options: UpdateOptions = {}): Promise<void> {
    this.ensureSupported('update');
    const json = JSON.stringify(resources);
    if ((options.resourcesFrom ?? 'stdin') === 'stdin') {
      await this.#check('update', updateArgs(id, '-'), { input: json });
      return;
    }
    const file = join(await this.scratch(), `update-${this.nextSeq()}.json`);
    await writeFile(file, json);
    try {
      await this.#check('update', updateArgs(id, file));
    } finally {
      await rm(file, { force: true });
    }
  }

  protected ensureSupported(verb: Verb): void {
    const reason = this.profile.unsupported[verb];
    if (reason !== undefined) throw new UnsupportedOperationError(this.name, verb, reason);
  }

  protected globalArgs(): string[] {
    return [...this.profile.globalArgs, ...(this.#root ? ['--root', this.#root] : [])];
  }

  protected async scratch(): Promise<string> {
    await mkdir(this.workDir, { recursive: true });
    return this.workDir;
  }

  /** Containers outlive the create call, so their stdio must be files, never our pipes. */
  async #containerStdio(id: string, given: StdioFiles | undefined): Promise<StdioFiles> {
    const dir = await this.scratch();
    return {
      stdin: given?.stdin ?? '/dev/null',
      stdout: given?.stdout ?? join(dir, `${id}.stdout`),
      stderr: given?.stderr ?? join(dir, `${id}.stderr`),
    };
  }

  /** A call that must exit 0; `toolWords` reads, on failure, what a tool the runtime ran said (CRIU's log). */
  async #check(verb: string, args: string[], options: CallOptions & { noLog?: boolean; toolWords?: () => Promise<string | undefined> } = {}): Promise<CallResult> {
    const result = await this.#call(verb, args, { ...options, logOnlyOnFailure: true });
    if (result.exitCode !== 0) throw await this.#failure(verb, result, options.stdio, await options.toolWords?.());
    return result;
  }

  async #call(verb: string, args: string[], options: CallOptions & { noLog?: boolean } = {}): Promise<CallResult> {
    const logFile = options.logFile
      ?? (this.profile.jsonLog && !options.noLog ? join(await this.scratch(), `call-${this.nextSeq()}-${verb}.log`) : undefined);
    const argv = [...this.globalArgs(), ...(logFile ? ['--log', logFile, '--log-format', 'json'] : []), ...args];
    const timeoutMs = options.timeoutMs ?? this.callTimeoutMs;
    const result = await this.runner.run(this.binary, argv, {
      timeoutMs, stdio: options.stdio, input: options.input, signal: options.signal, env: this.env, cwd: options.cwd,
      leftovers: options.keepGroup ? 'keep' : 'end',
      ...(options.startedProcess ? { startedProcess: options.startedProcess } : {}),
    });
    const logError = logFile && !(options.logOnlyOnFailure && result.exitCode === 0) ? await lastLoggedError(logFile) : undefined;
    if (logFile && !options.logFile) await rm(logFile, { force: true });
    const full = [this.binary, ...argv];
    if (result.timedOut) throw new RuntimeTimeoutError(verb, full, timeoutMs, result.stderr, logError);
    return { ...result, argv: full, logError };
  }

  async #failure(verb: string, result: CallResult, stdio?: StdioFiles, toolWords?: string): Promise<RuntimeError> {
    let stderr = result.stderr;
    if (stdio?.stderr) stderr = await tail(stdio.stderr);
    return new RuntimeError(verb, result.argv, result.exitCode, stderr, result.logError, { toolWords, signal: result.signal });
  }

  #parse<S extends z.ZodType>(verb: string, result: CallResult, schema: S): z.infer<S> {
    let json: unknown;
    try {
      json = JSON.parse(result.stdout);
    } catch {
      throw new RuntimeOutputError(verb, result.argv, result.stdout, 'not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new RuntimeOutputError(verb, result.argv, result.stdout, prettifyError(parsed.error));
    return parsed.data;
  }
}

/** What the runner's check of the pid file ended at an exec's deadline, in words (see RunOptions.startedProcess). */
function startedProcessWords(result: RunResult): { words: string; endedCall: boolean } {
  const end = result.startedProcessEnd;
  if (end === undefined) return { words: 'it ended as the deadline passed', endedCall: false };
  if (end.ended === 'process') return { words: `the process (pid ${end.pid}) was killed`, endedCall: false };
  return { words: `${end.reason}: ended the exec call instead; the exec'd process may live on`, endedCall: true };
}

async function mkdirs(...dirs: (string | undefined)[]): Promise<void> {
  for (const dir of dirs) if (dir !== undefined) await mkdir(dir, { recursive: true });
}

export function isArgv(process: ProcessSpec | readonly string[]): process is readonly string[] {
  return Array.isArray(process);
}

/** The last error of a runtime's JSON log (runtime-log.ts reads each runtime's way of writing it). */
async function lastLoggedError(logFile: string): Promise<string | undefined> {
  // Only the end matters, and a runtime may log without end.
  return lastErrorIn(await tail(logFile, 256 * 1024));
}

/** The last bytes of a file, read without loading the rest (a runtime may have written megabytes). */
export async function tail(file: string, bytes = 4096): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

import { randomBytes } from 'node:crypto';
import { constants, createReadStream, existsSync, openSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { CappedOutput } from '../runtime/capped-output.js';
import type { GroupEnd, KeptGroup } from '../runtime/process-groups.js';
import { DEFAULT_OUTPUT_CAPS, type ProcessRunner, type RunOptions, type RunResult, type StartedProcessEnd, type Target } from '../runtime/process-runner.js';
import { AttributedError } from '../util/attributed-error.js';
import { fileContent } from '../util/file-content.js';
import { waitFor } from '../util/wait.js';
import { engineClient, type Dockerode } from './engine.js';
import { engineExec, engineExecExitCode } from './engine-exec.js';

const execFileAsync = promisify(execFile);

/** How long a killed call gets to end on its own before we stop waiting for its output. */
const FORCE_KILL_AFTER_MS = 2000;

/**
 * Records its own pid (so a deadline can kill it), wires stdio to files when asked, then
 * becomes the command. Arguments: pid file, stdin file, stdout file or '', stderr file or ''.
 */
const WRAPPER =
  'p=$1 i=$2 o=$3 e=$4; shift 4; echo $$ >"$p"; ' +
  'if [ -n "$o" ]; then exec "$@" <"$i" >>"$o" 2>>"$e"; else exec "$@" <"$i"; fi';

/**
 * The agent: a shell loop in the target container that runs the calls handed to it through a
 * fifo in the shared call dir. A call then costs a few process starts in the container instead
 * of an exec through the engine, which spends ~50 ms of CPU on each. Its dir comes in the
 * environment, so none of its processes names the run dir (the run's sweep kills those). A
 * call is a script it runs in a process of its own (the subshell ends at once: the container's
 * init reaps the script).
 */
const AGENT = [
  'd=$RTCONFORM_AGENT_DIR; unset RTCONFORM_AGENT_DIR',
  'rm -f "$d/requests" && mkfifo "$d/requests" || exit 1',
  'exec 3<>"$d/requests"',
  ': >"$d/ready"',
  // The call's script is read by a subshell of the agent, not by a new sh: a process start in a
  // container costs 1-2 ms of CPU here (the loader's CPUID probes trap to the hypervisor).
  'while IFS= read -r call <&3; do ( (exec </dev/null >/dev/null 2>&1; . "$d/$call.sh") & ); done',
].join('\n');

/** A word for sh: single-quoted, each ' spelled '\''. */
function quoted(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * How a call starts, in a session (and process group) of its own, its pid recorded in its pid
 * file and, at the end, in $g: `wrapped` by WRAPPER, for an engine exec whose own stdin the call
 * may read; `direct` (the agent's calls, stdio always files), the command started by setsid in
 * the background of the script's shell, one process start fewer.
 */
type Launch =
  | { how: 'wrapped'; wrapperArgs: readonly string[] }
  | { how: 'direct'; stdin: string; stdout: string; stderr: string; command: readonly string[] };

function launchLines(launch: Launch, pidFile: string): string[] {
  if (launch.how === 'wrapped') {
    return [
      ['setsid', '-w', 'sh', '-c', WRAPPER, 'rtconform-call', ...launch.wrapperArgs].map(quoted).join(' '),
      'rc=$?',
      `g=; { read -r g <${quoted(pidFile)}; } 2>/dev/null`,
    ];
  }
  // A background child of this shell leads no group, so setsid makes its session without a fork:
  // $! is the command's pid and its group's.
  return [
    `${['setsid', '-w', ...launch.command].map(quoted).join(' ')} <${quoted(launch.stdin)} >>${quoted(launch.stdout)} 2>>${quoted(launch.stderr)} &`,
    `g=$!; echo "$g" >${quoted(pidFile)}`,
    'wait "$g"; rc=$?',
  ];
}

/**
 * One call as a script: the call launched, then what it left in its group, as on the host
 * (RunOptions.leftovers): killed (`end`), or the group and the time it ended (/proc/uptime)
 * written to `groupFile` if anything is left in it (`keep`), or left alone. The call's exit code
 * is in $rc at the end.
 */
function callScript(launch: Launch, pidFile: string, leftovers: { end: true } | { keepIn: string } | undefined): string {
  const after = leftovers === undefined ? ''
    : 'end' in leftovers ? '[ -n "$g" ] && kill -s KILL -- "-$g" 2>/dev/null'
      : `if [ -n "$g" ] && kill -s 0 -- "-$g" 2>/dev/null; then read -r up _ </proc/uptime; echo "$g $up" >${quoted(leftovers.keepIn)}; fi`;
  return [...launchLines(launch, pidFile), after].join('\n');
}

/** What callScript does with a call's leftovers, from its options and where a kept group is written. */
function leftoversOf(options: RunOptions, groupFile: string): { end: true } | { keepIn: string } | undefined {
  return options.leftovers === 'end' ? { end: true } : options.leftovers === 'keep' ? { keepIn: groupFile } : undefined;
}

/** The group a call kept, from what callScript wrote to its group file; undefined when nothing was left. */
async function keptGroupIn(groupFile: string): Promise<KeptGroup | undefined> {
  const [pgid, uptime] = (await readFile(groupFile, 'utf8').catch(() => '')).trim().split(' ').map(Number);
  return pgid !== undefined && pgid > 1 && uptime !== undefined && Number.isFinite(uptime) ? { pgid, endTicks: Math.ceil(uptime * 100) } : undefined;
}

/**
 * PIDFILE CALLPIDFILE: SIGKILLs the pid in PIDFILE if /proc shows it descends from the call's
 * process (CALLPIDFILE, the wrapper's record), each parent started no later than its child (a
 * pid reused on the way breaks that order). Says `killed PID`, `self PID` (the call's own
 * process), `other PID` or `none` (no pid).
 */
const END_STARTED = `pid= call= child=
{ read -r pid <"$1"; } 2>/dev/null
{ read -r call <"$2"; } 2>/dev/null
case $pid in ''|*[!0-9]*|0) echo none; exit 0 ;; esac
p=$pid
while [ "$p" -gt 1 ]; do
  { read -r s <"/proc/$p/stat"; } 2>/dev/null || break
  set -- \${s##*) }
  [ -z "$child" ] || [ "\${20}" -le "$child" ] || break
  if [ "$p" = "$call" ]; then
    if [ "$p" = "$pid" ]; then echo "self $pid"; else kill -s KILL "$pid" 2>/dev/null; echo "killed $pid"; fi
    exit 0
  fi
  child=\${20} p=$2
done
echo "other $pid"`;

/**
 * PGID END: SIGKILLs process group PGID if a member started no later than tick END (the kept
 * group has lived since its call; see KeptGroup). Says `empty`, `ended` or `not-ours`, then
 * each member as PID(COMMAND).
 */
const END_GROUP = `g=$1 end=$2 ours= found=
kill -s 0 -- "-$g" 2>/dev/null || { echo empty; exit 0; }
for f in /proc/[0-9]*/stat; do
  { read -r s <"$f"; } 2>/dev/null || continue
  c=\${s#*(}; c=\${c%)*}
  set -- \${s##*) }
  [ "$3" = "$g" ] && [ "$1" != Z ] || continue
  p=\${f#/proc/}; found="$found \${p%/stat}($c)"
  [ "\${20}" -le "$end" ] && ours=1
done
[ -n "$found" ] || { echo empty; exit 0; }
[ -n "$ours" ] && kill -s KILL -- "-$g" 2>/dev/null && { echo "ended$found"; exit 0; }
echo "not-ours$found"`;

/** BUNDLE LOCAL: LOCAL made on the target, with BUNDLE's dirs bound into it and its files linked. */
const BUNDLE_ON_TARGET = `b=$(cd "$1" && pwd) || exit 1
l=$2
mkdir -p "$l" || exit 1
for f in "$b"/* "$b"/.[!.]*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  n=\${f##*/}
  if [ -d "$f" ] && [ ! -L "$f" ]; then
    mkdir "$l/$n" && mount --bind "$f" "$l/$n" || exit 1
  else
    ln -s "$f" "$l/$n" || exit 1
  fi
done`;

/**
 * Runs commands inside a running container through the engine's exec API. Paths in arguments
 * and stdio files mean the same inside and out: the harness shares its run directory at the
 * same path, and `scratchDir` (pid and input files) must be inside it.
 */
export class ContainerProcessRunner implements ProcessRunner {
  readonly #docker: Dockerode;
  readonly #containerId: string;
  readonly #scratchDir: string;
  /** The agent's dir once one runs in the container (startAgent): calls go through it. */
  #agentDir: string | undefined;

  constructor(
    docker: Dockerode,
    containerId: string,
    readonly target: Target,
    scratchDir: string,
  ) {
    this.#docker = docker;
    this.#containerId = containerId;
    this.#scratchDir = scratchDir;
    const agentDir = join(scratchDir, 'agent');
    if (existsSync(join(agentDir, 'ready'))) this.#agentDir = agentDir;
  }

  /**
   * Starts the container's agent (one exec for the container's life); this runner and every
   * runner attached later with the same scratch dir hand their calls to it.
   */
  async startAgent(): Promise<void> {
    // The agent's fifo cannot live on the file bridge: there every call is an engine exec.
    if (this.target.fileSharing === 'bridge') return;
    const dir = join(this.#scratchDir, 'agent');
    await mkdir(dir, { recursive: true });
    const exec = await this.#docker.getContainer(this.#containerId).exec({ Cmd: ['sh', '-c', AGENT, 'rtconform-agent'], Env: [`RTCONFORM_AGENT_DIR=${dir}`] });
    // Detached, the engine still answers with a stream it keeps open: ours would keep the process alive.
    const answer = (await exec.start({ Detach: true })) as unknown as { destroy?: () => void } | undefined;
    answer?.destroy?.();
    await waitFor(() => (existsSync(join(dir, 'ready')) ? true : undefined), {
      timeoutMs: 10_000, who: 'rtconform', description: `the agent in container ${this.#containerId.slice(0, 12)} to start (${join(dir, 'ready')})`,
    });
    this.#agentDir = dir;
  }

  /**
   * conmon makes fifos and a socket in the bundle dir, which a run dir shared over the file
   * bridge (sshfs) cannot hold. So it gets a bundle on the target's own file system instead:
   * each dir of the real bundle bound into it (a runtime refuses a rootfs that is a symlink),
   * each file linked. A fresh one per create: it is never removed while the target runs, as
   * removing it would go through the binds into the real bundle. Bind mounts of the run dir
   * itself hold fifos: there `bundle` serves as it is.
   */
  async bundleForMonitor(bundle: string, options: { timeoutMs: number; cwd?: string | undefined }): Promise<string | undefined> {
    if (this.target.fileSharing !== 'bridge') return undefined;
    const local = `/run/rtconform-bundles/${randomBytes(6).toString('hex')}`;
    const result = await this.run('sh', ['-c', BUNDLE_ON_TARGET, 'rtconform-bundle', bundle, local], { timeoutMs: options.timeoutMs, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
    if (result.exitCode !== 0) {
      throw new AttributedError(`could not make the monitor's bundle ${local} on ${this.target.description} (exit ${result.exitCode ?? result.signal}): ${result.stderr.trim()}`, 'rtconform', result.timedOut ? 'timed-out' : 'refused');
    }
    return local;
  }

  async run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    const started = performance.now();
    const call = await this.#callFiles();
    try {
      const stdio = options.stdio;
      let stdin = stdio?.stdin ?? '/dev/null';
      let streamed: AsyncIterable<string | Uint8Array> | undefined;
      if (!stdio && options.input !== undefined && options.input !== '') {
        // Text goes as a file; a stream through a fifo, piece by piece (or, on the file bridge,
        // which has no fifos, through the exec's own stdin).
        if (typeof options.input === 'string') {
          await writeFile(call.input, options.input);
          stdin = call.input;
        } else if (this.target.fileSharing === 'bridge') {
          streamed = options.input;
          stdin = '/dev/stdin';
        } else {
          call.feed = await feedThroughFifo(call.input, options.input);
          stdin = call.input;
        }
      }
      if (this.#agentDir !== undefined && streamed === undefined) {
        const result = await this.#runByAgent(this.#agentDir, file, args, options, call.pid, stdin, started);
        if (result) return result;
      }
      const wrapperArgs = [call.pid, stdin, stdio ? (stdio.stdout ?? '/dev/null') : '', stdio ? (stdio.stderr ?? '/dev/null') : '', file, ...args];
      const exec = await engineExec(this.#docker, this.#containerId, ['sh', '-c', `${callScript({ how: 'wrapped', wrapperArgs }, call.pid, leftoversOf(options, call.group))}\nexit $rc`], {
        env: options.env, workingDir: options.cwd, input: streamed,
      });
      const caps = { ...DEFAULT_OUTPUT_CAPS, ...options.outputCaps };
      const stdout = new CappedOutput(caps.stdoutBytes, 'stdout');
      const stderr = new CappedOutput(caps.stderrBytes, 'stderr');
      const ended = exec.demux((chunk) => stdout.push(chunk), (chunk) => stderr.push(chunk));
      const { timedOut, aborted, startedProcessEnd } = await this.#bounded(ended, call.pid, options, () => {
        (exec.output as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      });
      const exitCode = timedOut || aborted ? undefined : await exec.exitCode();
      const keptGroup = options.leftovers === 'keep' && !timedOut && !aborted ? await keptGroupIn(call.group) : undefined;
      return {
        exitCode,
        signal: timedOut || aborted ? 'SIGKILL' : undefined,
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        aborted,
        durationMs: performance.now() - started,
        ...(keptGroup === undefined ? {} : { keptGroup }),
        ...(startedProcessEnd === undefined ? {} : { startedProcessEnd }),
      };
    } finally {
      await call.remove();
    }
  }

  async *lines(file: string, args: readonly string[], options: { signal: AbortSignal; env?: Record<string, string> }): AsyncIterable<string> {
    const call = await this.#callFiles();
    const exec = await engineExec(this.#docker, this.#containerId, ['sh', '-c', WRAPPER, 'rtconform-call', call.pid, '/dev/null', '', '', file, ...args], { env: options.env });
    const stdout = new PassThrough();
    const ended = exec.demux((chunk) => stdout.write(chunk), () => undefined).finally(() => stdout.end());
    const stop = (): void => void this.#killRecorded(call.pid, ended).finally(() => stdout.end());
    options.signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const line of createInterface({ input: stdout, crlfDelay: Infinity })) {
        if (options.signal.aborted) break;
        yield line;
      }
    } finally {
      options.signal.removeEventListener('abort', stop);
      await this.#killRecorded(call.pid, ended);
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, FORCE_KILL_AFTER_MS).unref())]);
      await call.remove();
    }
  }

  async endGroup(group: KeptGroup): Promise<GroupEnd> {
    const result = await this.run('sh', ['-c', END_GROUP, 'rtconform-end-group', String(group.pgid), String(group.endTicks)], { timeoutMs: 10_000 });
    const said = result.stdout.trim();
    const members = [...said.matchAll(/ (\d+)\((.*?)\)(?= \d+\(|$)/g)].map((m) => `${m[1]} (${m[2]})`);
    if (said.startsWith('ended')) return { outcome: 'ended', members };
    if (said.startsWith('not-ours')) {
      return { outcome: 'not ours', members, reason: `every process in group ${group.pgid} started after the call that left it ended (tick ${group.endTicks}): the number may have come round to another group` };
    }
    if (said === 'empty') return { outcome: 'empty', members: [] };
    return { outcome: 'not ours', members: [], reason: `the check in the container said ${JSON.stringify(said)} (exit ${result.exitCode}): ${result.stderr.trim()}` };
  }

  /**
   * Kills a call's own process (the pid its wrapper recorded) and its group, where it leads one,
   * so that the runtime's children go with it. The shell's builtin: a minimal image need not have a kill binary.
   */
  async #killCall(pid: number): Promise<void> {
    await engineExecExitCode(this.#docker, this.#containerId, ['sh', '-c', 'kill -s KILL -- "-$1" 2>/dev/null || kill -s KILL "$1"', 'kill', String(pid)]);
  }

  /** For `startedProcess`: kills the pid in `pidFile` if it descends from the call's process (END_STARTED), else says why not. */
  async #endStarted(pidFile: string, callPidFile: string): Promise<StartedProcessEnd> {
    const result = await this.run('sh', ['-c', END_STARTED, 'rtconform-end-started', pidFile, callPidFile], { timeoutMs: 10_000 });
    const [said, word] = result.stdout.trim().split(' ');
    const found = Number(word);
    const pid = Number.isInteger(found) && found > 0 ? found : undefined;
    if (said === 'killed') return { pid, ended: 'process' };
    const reason = said === 'none' ? `the pid file ${pidFile} held no pid`
      : said === 'self' ? `pid ${pid} from the pid file is the call's own process`
        : said === 'other' ? `pid ${pid} from the pid file is not a process of this call`
          : `the check in the container failed (exit ${result.exitCode}): ${result.stderr.trim()}`;
    return { pid, ended: 'call', reason };
  }

  async isExecutable(file: string): Promise<boolean> {
    return (await this.run('test', ['-x', file], { timeoutMs: 10_000 })).exitCode === 0;
  }

  /**
   * One call through the agent: a script that starts the call in a session of its own (so a
   * deadline kills its whole group) and writes its exit code, which the runner watches for.
   * Undefined when the agent does not take the call (its fifo has no reader): then the engine runs it.
   */
  async #runByAgent(agentDir: string, file: string, args: readonly string[], options: RunOptions, pidFile: string, stdin: string, started: number): Promise<RunResult | undefined> {
    // Names the script exports must be shell names; the engine takes any.
    if (Object.keys(options.env ?? {}).some((k) => !/^[A-Za-z_]\w*$/.test(k))) return undefined;
    const base = join(agentDir, basename(pidFile, '.pid'));
    const stdio = options.stdio;
    const files = { script: `${base}.sh`, exitCode: `${base}.rc`, stdout: `${base}.out`, stderr: `${base}.err`, group: `${base}.group` };
    const script = [
      ...(options.cwd === undefined ? [] : [`cd ${quoted(options.cwd)} || exit 127`]),
      ...Object.entries(options.env ?? {}).map(([k, v]) => `export ${k}=${quoted(v)}`),
      callScript({ how: 'direct', stdin, stdout: stdio?.stdout ?? files.stdout, stderr: stdio?.stderr ?? files.stderr, command: [file, ...args] }, pidFile, leftoversOf(options, files.group)),
      `echo $rc >${quoted(files.exitCode)}`,
    ].join('\n');
    await writeFile(files.script, `${script}\n`);
    const exit = fileContent(files.exitCode, (text) => (/^\d+\n$/.test(text) ? Number(text.trim()) : undefined));
    try {
      try {
        const requests = await open(join(agentDir, 'requests'), constants.O_WRONLY | constants.O_NONBLOCK);
        await requests.write(`${basename(base)}\n`).finally(() => requests.close());
      } catch {
        return undefined;
      }
      const { timedOut, aborted, startedProcessEnd } = await this.#bounded(exit.value.then(() => undefined), pidFile, options, exit.stop);
      const exitCode = await exit.value;
      const keptGroup = options.leftovers === 'keep' && !timedOut && !aborted ? await keptGroupIn(files.group) : undefined;
      const caps = { ...DEFAULT_OUTPUT_CAPS, ...options.outputCaps };
      const read = async (path: string, cap: number, label: string): Promise<string> => {
        if (stdio) return '';
        const output = new CappedOutput(cap, label);
        try {
          for await (const chunk of createReadStream(path)) output.push(chunk as Buffer);
        } catch {
          // a call killed before it started wrote nothing
        }
        return output.text();
      };
      return {
        exitCode: timedOut || aborted ? undefined : exitCode,
        signal: timedOut || aborted ? 'SIGKILL' : undefined,
        stdout: await read(files.stdout, caps.stdoutBytes, 'stdout'),
        stderr: await read(files.stderr, caps.stderrBytes, 'stderr'),
        timedOut,
        aborted,
        durationMs: performance.now() - started,
        ...(keptGroup === undefined ? {} : { keptGroup }),
        ...(startedProcessEnd === undefined ? {} : { startedProcessEnd }),
      };
    } finally {
      exit.stop();
      await Promise.all(Object.values(files).map((f) => rm(f, { force: true })));
    }
  }

  /**
   * Waits for a call to end within its deadline and signal. Past either, kills the process the
   * call recorded, and gives up on it (`giveUp`) if it has not ended 2 s later. When
   * `startedProcess.end` aborts, kills that process if it is the call's, else the call.
   */
  async #bounded(ended: Promise<void>, pidFile: string, options: RunOptions, giveUp: () => void): Promise<{ timedOut: boolean; aborted: boolean; startedProcessEnd?: StartedProcessEnd }> {
    let timedOut = false;
    let aborted = false;
    let running = true;
    let startedProcessEnd: StartedProcessEnd | undefined;
    const kill = async (): Promise<void> => {
      await this.#killRecorded(pidFile, ended);
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, FORCE_KILL_AFTER_MS).unref())]);
      giveUp();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      void kill();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      void kill();
    };
    const started = options.startedProcess;
    // The check runs as a call of its own; the call ends once it has (a killed process ends it), so it is waited for below.
    let check: Promise<void> | undefined;
    const onEndStarted = (): void => {
      if (!running || started === undefined || check !== undefined) return;
      check = (async () => {
        startedProcessEnd = await this.#endStarted(started.pidFile, pidFile).catch((error: unknown) => ({ pid: undefined, ended: 'call' as const, reason: `the check in the container failed: ${String(error)}` }));
        if (startedProcessEnd.ended === 'call' && running) onAbort();
      })();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    started?.end.addEventListener('abort', onEndStarted, { once: true });
    if (options.signal?.aborted) onAbort();
    if (started?.end.aborted) onEndStarted();
    try {
      await ended;
    } finally {
      running = false;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      started?.end.removeEventListener('abort', onEndStarted);
      await check;
    }
    return { timedOut, aborted, ...(startedProcessEnd === undefined ? {} : { startedProcessEnd }) };
  }

  /**
   * Kills the process a call's wrapper recorded. A call killed right after it started (a signal
   * aborted already, a short timeout) may not have recorded its pid yet: wait for the record
   * while the call runs, else it would run on unobserved in the container.
   */
  async #killRecorded(pidFile: string, ended: Promise<void>): Promise<void> {
    let running = true;
    void ended.then(() => (running = false));
    const deadline = Date.now() + FORCE_KILL_AFTER_MS;
    for (;;) {
      const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0) return this.#killCall(pid).catch(() => undefined);
      if (!running || Date.now() >= deadline) return;
      await sleep(10);
    }
  }

  async #callFiles(): Promise<CallFiles> {
    await mkdir(this.#scratchDir, { recursive: true });
    const base = join(this.#scratchDir, `call-${randomBytes(5).toString('hex')}`);
    const call: CallFiles = {
      pid: `${base}.pid`,
      input: `${base}.stdin`,
      group: `${base}.group`,
      feed: undefined,
      remove: async () => {
        call.feed?.destroy();
        await Promise.all([rm(call.pid, { force: true }), rm(call.input, { force: true }), rm(call.group, { force: true })]);
      },
    };
    return call;
  }
}

interface CallFiles {
  pid: string;
  input: string;
  /** Where a call that keeps its group names it (callScript). */
  group: string;
  /** The writing end of a streamed input's fifo, closed when the call ends. */
  feed: Socket | undefined;
  remove: () => Promise<void>;
}

/**
 * Streams `input` into a fifo at `path` in the shared dir, which the call in the container opens
 * as its stdin: the process reads each piece as it comes, and end of file once all were written.
 * Opened read-write so neither side waits for the other to open it (a call that never reads
 * costs nothing); written through a libuv pipe, so a full fifo never blocks a thread.
 */
async function feedThroughFifo(path: string, input: AsyncIterable<string | Uint8Array>): Promise<Socket> {
  await execFileAsync('mkfifo', ['-m', '600', path]);
  // Opening a fifo non-blocking returns at once; the socket owns the fd from here.
  const feed = new Socket({ fd: openSync(path, constants.O_RDWR | constants.O_NONBLOCK), readable: false, writable: true });
  void pipeline(Readable.from(input), feed).catch(() => undefined);
  return feed;
}

/**
 * The one way to drive commands in a target container: by its id, from any process (the test
 * workers re-attach to the containers global setup started). `callDir` must be inside a dir
 * shared with the container at the same path.
 */
export async function attachRunner(containerId: string, target: Target, callDir: string): Promise<ContainerProcessRunner> {
  return new ContainerProcessRunner((await engineClient()).container.dockerode, containerId, target, callDir);
}

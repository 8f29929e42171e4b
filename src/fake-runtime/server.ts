#!/usr/bin/env node
/**
 * The resident fake: one node process per state root that serves that root's calls, so a call
 * costs a shell start (client.sh) instead of a node start (60 ms of CPU here; `runc state` takes 4).
 *
 * Started by the client on a root's first call (`server.cjs ROOT`, in a session of its own,
 * stdio on /dev/null), it lives in ROOT/@server (not a valid container id, so never a container):
 *   pid           "PID STARTTIME", written last: a client hands calls over only while it names a
 *                 live process that started at STARTTIME
 *   requests      a fifo; a client writes its pid and a newline (one write, so never interleaved)
 *   calls/PID.argv  the call: the client's working directory, its RTCONFORM_FAKE_FAULTS, then its
 *                 arguments, each NUL-terminated
 *   calls/PID     the client's reply fifo, which it holds open for reading. The reply is lines:
 *                 `o` or `e` and a line of the verb's stdout or stderr; `O` or `E` and a last
 *                 piece without a newline; then `x` and the exit code. Or `f` alone: the call
 *                 runs in node (main.cjs) after all, as nothing was changed.
 * The client's stdio are sockets when node spawned it, which cannot be opened again, so the
 * output travels as text (the fake prints no NUL). A container process gets the client's stdio
 * opened anew through /proc/PID/fd (the client keeps them on 3, 4 and 5, as it redirects 0-2 to
 * talk to us), as it inherits them from the one-shot fake; a socket there hands the call to node.
 *
 * It serves every verb but update (which may read stdin); a verb hands over what it cannot do here
 * (events that stream, a container process on a socket) before it changes anything. A call that
 * waits on a process (run, exec, restore) waits here, without blocking the others; the caller's
 * end stands for its signals (forwardCallerEnd). It leaves after IDLE_MS without
 * a call, on SIGTERM, or at once when its root is removed (a run's sweep): it moves its dir
 * aside, so a new one can start, drains what reached its fifo, and answers "fallback" to every
 * call that came too late.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, write as writeCallback } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { closeInheritedDescriptors, procStat } from '../util/procfs.js';
import { HandOver, newCall, serve } from './context.js';
import { runCall, verbOf } from './dispatch.js';
import { forwardCallerEnd } from './processes.js';

const write = promisify(writeCallback);

/** update may read its resources from stdin, which reaches the client, not us. */
const NOT_SERVED = new Set(['update']);
const IDLE_MS = 10_000;
const DRAIN_MS = 200;

const root = process.argv[2];
if (!root?.startsWith('/')) {
  process.stderr.write('usage: server.cjs ROOT (an absolute path; the fake runtime starts this itself)\n');
  process.exit(2);
}
// Each call brings its caller's RTCONFORM_FAKE_FAULTS: the first caller's must not count for all.
delete process.env.RTCONFORM_FAKE_FAULTS;
process.chdir('/');
closeInheritedDescriptors();

let home = join(root, '@server');
let inFlight = 0;
let lastCall = Date.now();
let closing = false;

const callsDir = (): string => join(home, 'calls');
mkdirSync(callsDir(), { recursive: true, mode: 0o700 });
const requestsPath = join(home, 'requests');
execFileSync('mkfifo', ['-m', '600', requestsPath]);
// Opened read-write, so the open does not wait for a writer and the fifo never reports its end.
const requests = new Socket({ fd: openSync(requestsPath, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
let pending = '';
requests.setEncoding('utf8');
requests.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop()!;
  for (const line of lines) void handle(line);
});
process.on('SIGTERM', () => void leave(true));
process.on('SIGINT', () => void leave(true));
// Last: from here on, clients hand calls over.
writeFileSync(join(home, 'pid.new'), `${process.pid} ${procStat(process.pid)?.startTime ?? 0}\n`);
renameSync(join(home, 'pid.new'), join(home, 'pid'));

setInterval(() => {
  if (!existsSync(root)) void leave(false);
  else if (inFlight === 0 && Date.now() - lastCall > IDLE_MS) void leave(true);
}, 1000);

/** Serves the call of the client whose pid is `line`. */
async function handle(line: string): Promise<void> {
  if (!/^\d+$/.test(line)) return;
  lastCall = Date.now();
  const replyPath = join(callsDir(), line);
  let reply: number;
  try {
    // The client holds its fifo open for reading: if this fails, it is gone (or never wrote here).
    reply = openSync(replyPath, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    rmSync(replyPath, { force: true });
    rmSync(`${replyPath}.argv`, { force: true });
    return;
  }
  inFlight += 1;
  const opened: number[] = [];
  let answer = 'f\n';
  try {
    const fields = readFileSync(`${replyPath}.argv`, 'utf8').split('\0');
    unlinkSync(`${replyPath}.argv`);
    unlinkSync(replyPath);
    const [cwd, faultsFromEnv, ...argv] = fields.slice(0, -1);
    const verb = verbOf(argv);
    if (cwd === undefined || faultsFromEnv === undefined || verb === undefined || NOT_SERVED.has(verb)) return;
    const out: string[] = [];
    const err: string[] = [];
    const current = newCall({
      cwd, faultsFromEnv,
      containerStdio: () => openStdio(Number(line), opened),
      write: (stream, text) => (stream === 'stdout' ? out : err).push(text),
      oneShot: false,
      forwardSignals: (target) => forwardCallerEnd(Number(line), target),
    });
    const code = await serve(current, () => runCall(argv));
    answer = `${replyLines('o', out.join(''))}${replyLines('e', err.join(''))}x${code}\n`;
  } catch (error) {
    // A call handed over, or a failure of the server itself: node runs the call and reports what it finds.
    if (!(error instanceof HandOver)) process.emitWarning(`fake runtime server: ${String(error)}`);
  } finally {
    await writeAll(reply, answer);
    for (const fd of [reply, ...opened]) closeSync(fd);
    inFlight -= 1;
    lastCall = Date.now();
  }
}

/** Output as reply lines: `tag` and each line, a last piece without its newline tagged in upper case. */
function replyLines(tag: 'o' | 'e', text: string): string {
  const lines = text.split('\n');
  const last = lines.pop()!;
  return lines.map((l) => `${tag}${l}\n`).join('') + (last === '' ? '' : `${tag.toUpperCase()}${last}\n`);
}

/**
 * The client's stdin, stdout and stderr, opened anew through /proc for a container process. A
 * pipe is opened without waiting for its other end (O_NONBLOCK, which node's spawn clears again
 * in the child), a file for appending (the container process is its only writer). A socket
 * cannot be opened this way: then node runs the call.
 */
function openStdio(pid: number, opened: number[]): [number, number, number] {
  const fds: number[] = [];
  for (const n of [0, 1, 2]) {
    const path = `/proc/${pid}/fd/${n + 3}`;
    let flags = (n === 0 ? constants.O_RDONLY : constants.O_WRONLY) | constants.O_NONBLOCK | constants.O_NOCTTY;
    try {
      const stat = statSync(path);
      if (stat.isSocket()) throw new HandOver(`fd ${n} is a socket`);
      if (stat.isFile() && n > 0) flags |= constants.O_APPEND;
      const fd = openSync(path, flags);
      opened.push(fd);
      fds.push(fd);
    } catch (error) {
      throw error instanceof HandOver ? error : new HandOver(`cannot open ${path}: ${String(error)}`);
    }
  }
  return [fds[0]!, fds[1]!, fds[2]!];
}

/** Writes all of `text` to a descriptor that may be non-blocking; a reader that went away ends it. */
async function writeAll(fd: number, text: string): Promise<void> {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      const { bytesWritten } = await write(fd, rest);
      rest = rest.subarray(bytesWritten);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      await sleep(1);
    }
  }
}

/** Leaves: moves the dir aside (a new server may start), drains, sends late callers to node. */
async function leave(drain: boolean): Promise<void> {
  if (closing) return;
  closing = true;
  if (drain) {
    const aside = `${home}.leaving-${process.pid}`;
    try {
      renameSync(home, aside);
      home = aside;
    } catch {
      drain = false; // the root went meanwhile
    }
  }
  if (drain) await sleep(DRAIN_MS);
  requests.destroy();
  if (drain) {
    const late = readdirSync(callsDir()).filter((name) => name.endsWith('.argv'));
    await Promise.all(late.map((name) => sendToNode(name.slice(0, -'.argv'.length))));
  }
  while (inFlight > 0) await sleep(10);
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
}

/** A call whose request came after the last read: it runs in node. */
async function sendToNode(pid: string): Promise<void> {
  const replyPath = join(callsDir(), pid);
  try {
    const reply = openSync(replyPath, constants.O_WRONLY | constants.O_NONBLOCK);
    await writeAll(reply, 'f\n');
    closeSync(reply);
  } catch {
    // the client is gone
  }
}

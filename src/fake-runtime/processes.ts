/** The host processes that stand in for a container: finding them, signalling them, waiting on them. */
import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, processTree, procStat } from '../util/procfs.js';
import type { FakeContainer, Store } from './store.js';

export function containerPids(store: Store, c: FakeContainer): number[] {
  const roots = isAlive(c.pid, c.startTime) ? [c.pid] : [];
  // A live process at the container's pid with another start time is a stranger: not its group.
  const groups = roots.length > 0 || !isAlive(c.pid) ? [c.pid] : [];
  return processTree([...roots, ...store.execPids(c.id)], groups);
}

export function signalAll(pids: readonly number[], signal: NodeJS.Signals | number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone in the meantime
    }
  }
}

/** Waits without blocking (the resident fake serves other calls meanwhile). */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pids.every((pid) => !isAlive(pid))) return true;
    await sleep(5);
  }
  return false;
}

/** Waits for a child we spawned and returns the exit code runc would give (128+n for signals). */
export function waitChild(child: ChildProcess): Promise<number> {
  return new Promise((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit(code ?? 128 + (signal ? osConstants.signals[signal] : 0)));
    child.on('error', () => resolveExit(127));
  });
}

/** The one-shot fake's forwarding: the signals this process gets go to `pid`, until stopped. */
export function forwardSignals(pid: () => number | undefined): () => void {
  const forward = (signal: NodeJS.Signals): void => {
    const target = pid();
    if (target !== undefined) signalAll([target], signal);
  };
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;
  for (const signal of signals) process.on(signal, forward);
  return () => {
    for (const signal of signals) process.off(signal, forward);
  };
}

/**
 * The resident fake's forwarding: when the caller (a client that waits for our reply) ends,
 * SIGTERM goes to `pid`. Its liveness is polled, as nothing tells us of another process's end.
 */
export function forwardCallerEnd(callerPid: number, pid: () => number | undefined): () => void {
  const startTime = procStat(callerPid)?.startTime;
  const timer = setInterval(() => {
    if (isAlive(callerPid, startTime)) return;
    clearInterval(timer);
    const target = pid();
    if (target !== undefined) signalAll([target], 'SIGTERM');
  }, 100);
  return () => clearInterval(timer);
}

/** The host processes that stand in for a container: finding them, signalling them, waiting on them. */
import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, processTree } from '../util/procfs.js';
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

export function forwardSignals(pid: () => number | undefined): void {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) {
    process.on(signal, () => {
      const target = pid();
      if (target !== undefined) signalAll([target], signal);
    });
  }
}

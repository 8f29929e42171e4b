/**
 * The container's init process and its exec fifo: create spawns it blocked on the fifo, start
 * releases it by reading the byte it writes there (as runc's init waits on its exec fifo).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OciConfig } from '../spec/config.js';
import { closeInheritedDescriptors, isAlive } from '../util/procfs.js';
import { FakeError } from './context.js';
import { hostCwd, lookPath } from './host-paths.js';
import type { FakeContainer, Store } from './store.js';

/** Starts the container process: a shell that blocks on the exec fifo, then becomes the user process. */
export function spawnInit(store: Store, id: string, config: OciConfig, bundle: string, gate: boolean, stdio: 'inherit' | number[]): ChildProcess {
  const proc = config.process!;
  const env = proc.env ?? [];
  lookPath(proc.args[0]!, env);
  const script = gate ? 'printf 0 > "$0" && exec "$@"' : 'exec "$@"';
  // The one-shot fake hands on what its caller gave it; the resident fake's descriptors are all close-on-exec.
  if (stdio === 'inherit') closeInheritedDescriptors();
  const child = spawn('/bin/sh', ['-c', script, store.fifo(id), ...proc.args], {
    cwd: hostCwd(proc.cwd, config, bundle),
    env: Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
    detached: true,
    stdio,
  });
  if (child.pid === undefined) throw new FakeError('could not start the container process');
  child.unref();
  return child;
}

/** Releases the container process from the exec fifo; fails if it died meanwhile. */
export async function releaseInit(store: Store, c: FakeContainer): Promise<void> {
  const fd = openSync(store.fifo(c.id), constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.alloc(1);
    const deadline = Date.now() + 10_000;
    for (;;) {
      // Liveness is read before the fifo: a process that writes its byte and exits between the
      // two would otherwise look as if it died without writing.
      const aliveBeforeRead = isAlive(c.pid, c.startTime);
      let n = 0;
      try {
        n = readSync(fd, buffer, 0, 1, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
      if (n > 0) return;
      if (!aliveBeforeRead) throw new FakeError('the container process exited before it could be started');
      if (Date.now() > deadline) throw new FakeError('the container process did not answer on its exec fifo');
      await sleep(2);
    }
  } finally {
    closeSync(fd);
  }
}

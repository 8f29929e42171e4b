/** What every verb shares: its shape, the container it names, and the status that container must be in. */
import { UsageError, type FlagSpec, type Parsed } from './args.js';
import { FakeError } from './context.js';
import { isAlive } from '../util/procfs.js';
import type { FakeContainer, Store } from './store.js';

/** One verb of the command line: its flags and what it does; the result is the exit code. */
export interface Command {
  flags: FlagSpec;
  run(parsed: Parsed, store: Store): Promise<number> | number;
}

export function requireId(parsed: Parsed, verb: string): string {
  const id = parsed.positionals[0];
  if (!id) throw new UsageError(`"${verb}" requires a container id`);
  return id;
}

export function load(store: Store, id: string): FakeContainer {
  const container = store.load(id);
  if (!container) throw new FakeError(`container "${id}" does not exist`);
  return container;
}

export function statusOf(c: FakeContainer): string {
  if (!isAlive(c.pid, c.startTime)) return 'stopped';
  if (c.paused) return 'paused';
  return c.started ? 'running' : 'created';
}

export function mustBe(c: FakeContainer, allowed: readonly string[], verb: string): string {
  const status = statusOf(c);
  if (!allowed.includes(status)) throw new FakeError(`cannot ${verb} container "${c.id}": it is ${status}, not ${allowed.join(' or ')}`);
  return status;
}

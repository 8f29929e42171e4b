/** The lifecycle verbs: create, start, run, kill and delete. */
import { constants as osConstants } from 'node:os';
import { bool } from './args.js';
import { load, mustBe, requireId, statusOf, type Command } from './command.js';
import { call, FakeError, has } from './context.js';
import { create, createFlags } from './create.js';
import { releaseInit } from './init.js';
import { containerPids, signalAll, waitChild, waitGone } from './processes.js';
import type { FakeContainer, Store } from './store.js';

function toSignal(raw: string | undefined): NodeJS.Signals | number {
  const value = (raw ?? 'TERM').toUpperCase();
  if (/^\d+$/.test(value)) return Number(value);
  const name = (value.startsWith('SIG') ? value : `SIG${value}`) as NodeJS.Signals;
  if (!(name in osConstants.signals)) throw new FakeError(`unknown signal "${raw}"`);
  return name;
}

export async function forceRemove(store: Store, c: FakeContainer): Promise<void> {
  const pids = containerPids(store, c);
  signalAll(pids, 'SIGCONT');
  signalAll(pids, 'SIGKILL');
  if (!(await waitGone(pids, 5000))) throw new FakeError(`processes ${pids.join(', ')} did not die after SIGKILL`);
  store.remove(c.id);
}

export const lifecycleCommands = {
  create: {
    flags: createFlags,
    run: async (parsed, store) => {
      await create(parsed, store, { gate: true });
      return 0;
    },
  },
  start: {
    flags: {},
    run: async (parsed, store) => {
      const c = load(store, requireId(parsed, 'start'));
      const status = statusOf(c);
      if (status !== 'created') {
        if (has('start-twice-accepted')) return 0;
        throw new FakeError(`cannot start container "${c.id}": it is ${status}, not created`);
      }
      await releaseInit(store, c);
      store.save({ ...c, started: true });
      return 0;
    },
  },
  run: {
    flags: { ...createFlags, detach: { type: 'boolean', short: 'd' } },
    run: async (parsed, store) => {
      const { container, child } = await create(parsed, store, { gate: false });
      if (bool(parsed, 'detach') || !child) return 0;
      child.ref();
      const stopForwarding = call().forwardSignals(() => container.pid);
      const code = await waitChild(child);
      stopForwarding();
      store.remove(container.id);
      return code;
    },
  },
  kill: {
    flags: { all: { type: 'boolean', short: 'a' } },
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'kill'));
      const signal = toSignal(parsed.positionals[1]);
      mustBe(c, ['created', 'running', 'paused'], 'kill');
      if (has('kill-ignored')) return 0;
      signalAll(bool(parsed, 'all') ? containerPids(store, c) : [c.pid], signal);
      return 0;
    },
  },
  delete: {
    flags: { force: { type: 'boolean', short: 'f' } },
    run: async (parsed, store) => {
      const id = requireId(parsed, 'delete');
      const c = load(store, id);
      const status = statusOf(c);
      if (status !== 'stopped' && !bool(parsed, 'force') && !has('delete-running-accepted')) {
        throw new FakeError(`cannot delete container "${id}": it is ${status}, not stopped (use --force)`);
      }
      await forceRemove(store, c);
      return 0;
    },
  },
} satisfies Record<string, Command>;

/** The verbs that look at containers without changing them: state, list, ps and events. */
import { userInfo } from 'node:os';
import { procStat, type ProcStat } from '../util/procfs.js';
import { bool, str, UsageError } from './args.js';
import { load, mustBe, requireId, statusOf, type Command } from './command.js';
import { call, has, HandOver, print } from './context.js';
import { containerPids } from './processes.js';
import type { FakeContainer, Store } from './store.js';

const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

function reportedStatus(c: FakeContainer): string {
  const status = statusOf(c);
  return has('state-status-lies') && status === 'created' ? 'running' : status;
}

function stateJson(c: FakeContainer): Record<string, unknown> {
  const status = reportedStatus(c);
  return {
    ociVersion: c.ociVersion,
    id: c.id,
    status,
    ...(status === 'stopped' ? {} : { pid: c.pid }),
    bundle: has('bundle-path-relative') ? c.bundleAsGiven : c.bundle,
    ...(has('annotations-dropped') ? {} : { annotations: c.config.annotations ?? {} }),
    created: c.created,
    owner: userInfo().username,
  };
}

/**
 * What a cgroup would account, approximated over the container's process tree. CPU time of
 * children reaped inside the tree stays counted, as it does in cpuacct; time of processes that
 * left the tree unreaped (finished execs, orphans adopted by the host's init) is lost, so the
 * total can drop, unlike a cgroup's. pids.current counts threads, as the pids controller does.
 */
function statsOf(store: Store, c: FakeContainer): Record<string, unknown> {
  const stats = containerPids(store, c).map((pid) => procStat(pid)).filter((s) => s !== undefined);
  const nsPerTick = 1e9 / CLOCK_TICKS_PER_SECOND;
  const sum = (ticks: (s: ProcStat) => number): number => stats.reduce((total, s) => total + ticks(s), 0);
  const user = sum((s) => s.utimeTicks + s.reapedChildrenUtimeTicks) * nsPerTick;
  const kernel = sum((s) => s.stimeTicks + s.reapedChildrenStimeTicks) * nsPerTick;
  return {
    cpu: { usage: { total: user + kernel, user, kernel } },
    memory: { usage: { usage: sum((s) => s.rssPages) * PAGE_SIZE } },
    pids: { current: sum((s) => s.threads) },
  };
}

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) throw new UsageError(`invalid duration "${text}": use e.g. 500ms, 5s`);
  const n = Number(match[1]);
  return match[2] === 'ms' ? n : match[2] === 'm' ? n * 60_000 : n * 1000;
}

export const inspectCommands = {
  state: {
    flags: {},
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'state'));
      print(JSON.stringify(stateJson(c), null, 2) + '\n');
      return 0;
    },
  },
  list: {
    flags: { format: { type: 'string', short: 'f' }, quiet: { type: 'boolean', short: 'q' } },
    run: (parsed, store) => {
      const rows = store.ids().map((id) => store.load(id)).filter((c) => c !== undefined).map(stateJson);
      if (bool(parsed, 'quiet')) print(rows.map((r) => `${String(r.id)}\n`).join(''));
      else if (str(parsed, 'format') === 'json') print(JSON.stringify(rows) + '\n');
      else print(['ID\tPID\tSTATUS\tBUNDLE', ...rows.map((r) => `${String(r.id)}\t${String(r.pid ?? 0)}\t${String(r.status)}\t${String(r.bundle)}`)].join('\n') + '\n');
      return 0;
    },
  },
  ps: {
    flags: { format: { type: 'string', short: 'f' } },
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'ps'));
      const pids = containerPids(store, c);
      if (str(parsed, 'format') === 'json') print(JSON.stringify(pids) + '\n');
      else print(['PID', ...pids.map(String)].join('\n') + '\n');
      return 0;
    },
  },
  events: {
    flags: { stats: { type: 'boolean' }, interval: { type: 'string' } },
    run: async (parsed, store) => {
      const id = requireId(parsed, 'events');
      const emit = (c: FakeContainer): void => {
        print(JSON.stringify({ type: 'stats', id, data: statsOf(store, c) }) + '\n');
      };
      const first = load(store, id);
      mustBe(first, ['created', 'running', 'paused'], 'get events of');
      if (bool(parsed, 'stats')) {
        emit(first);
        return 0;
      }
      // Stats at an interval stream until the container stops: only a fake of the call's own can.
      if (!call().oneShot) throw new HandOver('events at an interval stream their output');
      const intervalMs = parseDuration(str(parsed, 'interval') ?? '5s');
      for (;;) {
        const c = store.load(id);
        if (!c || statusOf(c) === 'stopped') return 0;
        emit(c);
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    },
  },
} satisfies Record<string, Command>;

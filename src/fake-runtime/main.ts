#!/usr/bin/env node
/**
 * rtconform's bundled fake OCI runtime. It speaks runc's CLI and follows the runtime spec's
 * lifecycle, but needs no root and no kernel features: a container is an ordinary host process
 * that, after create, waits on a fifo until start (as runc's init waits on its exec fifo).
 * It isolates nothing; `features` and the adapter's profile say so.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants as osConstants, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { ProcessSpec } from '../spec/config.js';
import { SPEC_VERSION } from '../spec/version.js';
import { bool, parseFlags, str, strs, UsageError, type FlagSpec } from './args.js';
import { load, mustBe, requireId, statusOf, type Command } from './command.js';
import { defaultRoot, FakeError, has, log, setFaults, setGlobals } from './context.js';
import { create, createFlags } from './create.js';
import { activeFaults } from './faults.js';
import { hostCwd, lookPath } from './host-paths.js';
import { releaseInit } from './init.js';
import { closeInheritedDescriptors, procStat, type ProcStat } from '../util/procfs.js';
import { containerPids, forwardSignals, signalAll, waitChild, waitGone } from './processes.js';
import { Store, type FakeContainer } from './store.js';

const VERSION = '0.1.0';
const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

const globalSpec: FlagSpec = {
  root: { type: 'string' },
  log: { type: 'string' },
  'log-format': { type: 'string' },
  debug: { type: 'boolean' },
  'systemd-cgroup': { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
};

async function main(argv: string[]): Promise<number> {
  const verbAt = argv.findIndex((a, i) => !a.startsWith('-') && !isFlagValue(argv, i));
  const globalArgs = verbAt === -1 ? argv : argv.slice(0, verbAt);
  const parsedGlobals = parseFlags(globalArgs, globalSpec, false);
  const format = str(parsedGlobals, 'log-format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`unknown log format "${format}": use text or json`);
  const root = resolve(str(parsedGlobals, 'root') ?? defaultRoot());
  setGlobals({ root, log: str(parsedGlobals, 'log'), logFormat: format });
  if (bool(parsedGlobals, 'version')) {
    process.stdout.write(`rtconform-fake-runtime version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
    return 0;
  }
  if (verbAt === -1 || bool(parsedGlobals, 'help')) {
    process.stdout.write(`usage: rtconform-fake-runtime [--root DIR] [--log FILE] [--log-format json] COMMAND [ARGS]\ncommands: ${Object.keys(commands).join(', ')}\n`);
    return verbAt === -1 && !bool(parsedGlobals, 'help') ? 1 : 0;
  }
  setFaults(activeFaults(root));
  const verb = argv[verbAt]!;
  const command = commands[verb];
  if (!command) throw new UsageError(`unknown command "${verb}"`);
  const parsed = parseFlags(argv.slice(verbAt + 1), command.flags, true);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return command.run(parsed, new Store(root));
}

function isFlagValue(argv: string[], i: number): boolean {
  const prev = argv[i - 1];
  if (prev === undefined || !prev.startsWith('-') || prev.includes('=')) return false;
  const spec = globalSpec[prev.replace(/^--?/, '')];
  return spec?.type === 'string';
}

function reportedStatus(c: FakeContainer): string {
  const status = statusOf(c);
  return has('state-status-lies') && status === 'created' ? 'running' : status;
}

function toSignal(raw: string | undefined): NodeJS.Signals | number {
  const value = (raw ?? 'TERM').toUpperCase();
  if (/^\d+$/.test(value)) return Number(value);
  const name = (value.startsWith('SIG') ? value : `SIG${value}`) as NodeJS.Signals;
  if (!(name in osConstants.signals)) throw new FakeError(`unknown signal "${raw}"`);
  return name;
}

function forceRemove(store: Store, c: FakeContainer): void {
  const pids = containerPids(store, c);
  signalAll(pids, 'SIGCONT');
  signalAll(pids, 'SIGKILL');
  if (!waitGone(pids, 5000)) throw new FakeError(`processes ${pids.join(', ')} did not die after SIGKILL`);
  store.remove(c.id);
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

const commands: Record<string, Command> = {
  create: {
    flags: createFlags,
    run: async (parsed, store) => {
      await create(parsed, store, { gate: true });
      return 0;
    },
  },
  start: {
    flags: {},
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'start'));
      const status = statusOf(c);
      if (status !== 'created') {
        if (has('start-twice-accepted')) return 0;
        throw new FakeError(`cannot start container "${c.id}": it is ${status}, not created`);
      }
      releaseInit(store, c);
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
      forwardSignals(() => container.pid);
      const code = await waitChild(child);
      store.remove(container.id);
      return code;
    },
  },
  state: {
    flags: {},
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'state'));
      process.stdout.write(JSON.stringify(stateJson(c), null, 2) + '\n');
      return 0;
    },
  },
  list: {
    flags: { format: { type: 'string', short: 'f' }, quiet: { type: 'boolean', short: 'q' } },
    run: (parsed, store) => {
      const rows = store.ids().map((id) => store.load(id)).filter((c) => c !== undefined).map(stateJson);
      if (bool(parsed, 'quiet')) process.stdout.write(rows.map((r) => `${String(r.id)}\n`).join(''));
      else if (str(parsed, 'format') === 'json') process.stdout.write(JSON.stringify(rows) + '\n');
      else process.stdout.write(['ID\tPID\tSTATUS\tBUNDLE', ...rows.map((r) => `${String(r.id)}\t${String(r.pid ?? 0)}\t${String(r.status)}\t${String(r.bundle)}`)].join('\n') + '\n');
      return 0;
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
    run: (parsed, store) => {
      const id = requireId(parsed, 'delete');
      const c = load(store, id);
      const status = statusOf(c);
      if (status !== 'stopped' && !bool(parsed, 'force') && !has('delete-running-accepted')) {
        throw new FakeError(`cannot delete container "${id}": it is ${status}, not stopped (use --force)`);
      }
      forceRemove(store, c);
      return 0;
    },
  },
  exec: {
    flags: {
      detach: { type: 'boolean', short: 'd' },
      'pid-file': { type: 'string' },
      cwd: { type: 'string' },
      env: { type: 'string', short: 'e', multiple: true },
      tty: { type: 'boolean', short: 't' },
      user: { type: 'string', short: 'u' },
      process: { type: 'string', short: 'p' },
      'console-socket': { type: 'string' },
    },
    run: async (parsed, store) => {
      const c = load(store, requireId(parsed, 'exec'));
      mustBe(c, ['created', 'running'], 'exec in');
      if (bool(parsed, 'tty')) throw new FakeError('the fake runtime has no terminal support (--tty)');
      const base = c.config.process!;
      let proc: ProcessSpec;
      const processFile = str(parsed, 'process');
      if (processFile) {
        const { parseProcess } = await import('./validate.js');
        const parsedProcess = parseProcess(JSON.parse(readFileSync(processFile, 'utf8')), processFile);
        if (typeof parsedProcess === 'string') throw new FakeError(parsedProcess);
        proc = parsedProcess;
      } else {
        const args = parsed.positionals.slice(1);
        if (args.length === 0) throw new UsageError('exec needs a command (or --process FILE)');
        proc = { ...base, args, env: [...(base.env ?? []), ...strs(parsed, 'env')], cwd: str(parsed, 'cwd') ?? base.cwd };
      }
      const env = proc.env ?? [];
      const file = lookPath(proc.args[0]!, env);
      const detach = bool(parsed, 'detach');
      closeInheritedDescriptors();
      const child = spawn(file, proc.args.slice(1), {
        argv0: proc.args[0],
        cwd: hostCwd(proc.cwd, c.config, c.bundle),
        env: Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
        detached: detach,
        stdio: detach ? 'ignore' : 'inherit',
      });
      if (child.pid === undefined) throw new FakeError(`could not exec ${proc.args[0]}`);
      store.recordExec(c.id, child.pid);
      const pidFile = str(parsed, 'pid-file');
      if (pidFile) writeFileSync(pidFile, String(child.pid));
      if (detach) {
        child.unref();
        return 0;
      }
      forwardSignals(() => child.pid);
      const code = await waitChild(child);
      return has('exec-exit-code-lost') ? 0 : code;
    },
  },
  pause: {
    flags: {},
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'pause'));
      mustBe(c, ['created', 'running'], 'pause');
      signalAll(containerPids(store, c), 'SIGSTOP');
      store.save({ ...c, paused: true });
      return 0;
    },
  },
  resume: {
    flags: {},
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'resume'));
      mustBe(c, ['paused'], 'resume');
      signalAll(containerPids(store, c), 'SIGCONT');
      store.save({ ...c, paused: false });
      return 0;
    },
  },
  ps: {
    flags: { format: { type: 'string', short: 'f' } },
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'ps'));
      const pids = containerPids(store, c);
      if (str(parsed, 'format') === 'json') process.stdout.write(JSON.stringify(pids) + '\n');
      else process.stdout.write(['PID', ...pids.map(String)].join('\n') + '\n');
      return 0;
    },
  },
  events: {
    flags: { stats: { type: 'boolean' }, interval: { type: 'string' } },
    run: async (parsed, store) => {
      const id = requireId(parsed, 'events');
      const emit = (c: FakeContainer): void => {
        process.stdout.write(JSON.stringify({ type: 'stats', id, data: statsOf(store, c) }) + '\n');
      };
      const first = load(store, id);
      mustBe(first, ['created', 'running', 'paused'], 'get events of');
      if (bool(parsed, 'stats')) {
        emit(first);
        return 0;
      }
      const intervalMs = parseDuration(str(parsed, 'interval') ?? '5s');
      for (;;) {
        const c = store.load(id);
        if (!c || statusOf(c) === 'stopped') return 0;
        emit(c);
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    },
  },
  checkpoint: {
    flags: {
      'image-path': { type: 'string' }, 'work-path': { type: 'string' }, 'leave-running': { type: 'boolean' },
      'tcp-established': { type: 'boolean' }, 'shell-job': { type: 'boolean' }, 'ext-unix-sk': { type: 'boolean' },
      'file-locks': { type: 'boolean' }, 'pre-dump': { type: 'boolean' }, 'parent-path': { type: 'string' },
      'manage-cgroups-mode': { type: 'string' },
    },
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'checkpoint'));
      mustBe(c, ['running'], 'checkpoint');
      const imagePath = resolve(str(parsed, 'image-path') ?? 'checkpoint');
      mkdirSync(imagePath, { recursive: true });
      writeFileSync(join(imagePath, 'fake-checkpoint.json'), JSON.stringify({ id: c.id, config: c.config, bundle: c.bundle, preDump: bool(parsed, 'pre-dump') }));
      log('warning', 'fake runtime: process memory is not saved; restore will restart the process from its config');
      if (!bool(parsed, 'leave-running') && !bool(parsed, 'pre-dump')) forceRemove(store, c);
      return 0;
    },
  },
  restore: {
    flags: {
      ...createFlags,
      'image-path': { type: 'string' }, 'work-path': { type: 'string' }, detach: { type: 'boolean', short: 'd' },
      'tcp-established': { type: 'boolean' }, 'shell-job': { type: 'boolean' }, 'ext-unix-sk': { type: 'boolean' },
      'file-locks': { type: 'boolean' }, 'manage-cgroups-mode': { type: 'string' },
    },
    run: async (parsed, store) => {
      const imagePath = resolve(str(parsed, 'image-path') ?? 'checkpoint');
      if (!existsSync(join(imagePath, 'fake-checkpoint.json'))) throw new FakeError(`${imagePath} holds no checkpoint of the fake runtime`);
      log('warning', 'fake runtime: restarting the process from its config; its memory was not saved');
      const { container, child } = await create(parsed, store, { gate: false });
      if (bool(parsed, 'detach') || !child) return 0;
      child.ref();
      const code = await waitChild(child);
      store.remove(container.id);
      return code;
    },
  },
  update: {
    flags: {
      resources: { type: 'string', short: 'r' }, memory: { type: 'string' }, 'pids-limit': { type: 'string' },
      'cpu-quota': { type: 'string' }, 'cpu-period': { type: 'string' }, 'cpu-share': { type: 'string' },
    },
    run: async (parsed, store) => {
      const c = load(store, requireId(parsed, 'update'));
      mustBe(c, ['created', 'running', 'paused'], 'update');
      const file = str(parsed, 'resources');
      const { parseResources } = await import('./validate.js');
      const resources = file ? parseResources(JSON.parse(file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'))) : undefined;
      if (typeof resources === 'string') throw new FakeError(resources);
      log('warning', 'fake runtime: resources are recorded, not enforced');
      store.save({ ...c, resources: resources ?? Object.fromEntries(parsed.flags) });
      return 0;
    },
  },
  features: {
    flags: {},
    run: () => {
      process.stdout.write(JSON.stringify({
        ociVersionMin: '1.0.0',
        ociVersionMax: SPEC_VERSION,
        hooks: [],
        mountOptions: [],
        linux: { namespaces: [], capabilities: [], cgroup: { v1: false, v2: false }, seccomp: { enabled: false } },
        annotations: { 'org.rtconform.fake': 'true', 'org.rtconform.fake.isolation': 'none' },
      }, null, 2) + '\n');
      return 0;
    },
  },
};

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) throw new UsageError(`invalid duration "${text}": use e.g. 500ms, 5s`);
  const n = Number(match[1]);
  return match[2] === 'ms' ? n : match[2] === 'm' ? n * 60_000 : n * 1000;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    log('error', message);
    process.stderr.write(`rtconform-fake-runtime: ${message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);

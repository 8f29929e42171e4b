#!/usr/bin/env node
/**
 * rtconform's bundled fake OCI runtime. It speaks runc's CLI and follows the runtime spec's
 * lifecycle, but needs no root and no kernel features: a container is an ordinary host process
 * that, after create, waits on a fifo until start (as runc's init waits on its exec fifo).
 * It isolates nothing; `features` and the adapter's profile say so.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProcessSpec } from '../spec/config.js';
import { SPEC_VERSION } from '../spec/version.js';
import { bool, parseFlags, str, strs, UsageError, type FlagSpec } from './args.js';
import { load, mustBe, requireId, type Command } from './command.js';
import { defaultRoot, FakeError, has, log, setFaults, setGlobals } from './context.js';
import { create, createFlags } from './create.js';
import { activeFaults } from './faults.js';
import { hostCwd, lookPath } from './host-paths.js';
import { inspectCommands } from './inspect.js';
import { forceRemove, lifecycleCommands } from './lifecycle.js';
import { closeInheritedDescriptors } from '../util/procfs.js';
import { containerPids, forwardSignals, signalAll, waitChild } from './processes.js';
import { Store } from './store.js';

const VERSION = '0.1.0';

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

/** Listed one by one, not spread by group: the usage line names the verbs in this order. */
const commands: Record<string, Command> = {
  create: lifecycleCommands.create,
  start: lifecycleCommands.start,
  run: lifecycleCommands.run,
  state: inspectCommands.state,
  list: inspectCommands.list,
  kill: lifecycleCommands.kill,
  delete: lifecycleCommands.delete,
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
  ps: inspectCommands.ps,
  events: inspectCommands.events,
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

#!/usr/bin/env node
/**
 * rtconform's bundled fake OCI runtime. It speaks runc's CLI and follows the runtime spec's
 * lifecycle, but needs no root and no kernel features: a container is an ordinary host process
 * that, after create, waits on a fifo until start (as runc's init waits on its exec fifo).
 * It isolates nothing; `features` and the adapter's profile say so.
 *
 * This file is only the entry: global flags, dispatch to a verb, and an error's exit code and log.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { SPEC_VERSION } from '../spec/version.js';
import { bool, parseFlags, str, UsageError, type FlagSpec } from './args.js';
import { checkpointCommands } from './checkpoint.js';
import type { Command } from './command.js';
import { defaultRoot, log, setFaults, setGlobals } from './context.js';
import { execCommands } from './exec.js';
import { activeFaults } from './faults.js';
import { featuresCommands } from './features.js';
import { inspectCommands } from './inspect.js';
import { lifecycleCommands } from './lifecycle.js';
import { pauseCommands } from './pause.js';
import { Store } from './store.js';
import { updateCommands } from './update.js';

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

/** Listed one by one, not spread by group: the usage line names the verbs in this order. */
const commands: Record<string, Command> = {
  create: lifecycleCommands.create,
  start: lifecycleCommands.start,
  run: lifecycleCommands.run,
  state: inspectCommands.state,
  list: inspectCommands.list,
  kill: lifecycleCommands.kill,
  delete: lifecycleCommands.delete,
  exec: execCommands.exec,
  pause: pauseCommands.pause,
  resume: pauseCommands.resume,
  ps: inspectCommands.ps,
  events: inspectCommands.events,
  checkpoint: checkpointCommands.checkpoint,
  restore: checkpointCommands.restore,
  update: updateCommands.update,
  features: featuresCommands.features,
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

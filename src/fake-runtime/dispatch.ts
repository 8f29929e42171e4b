/** One call of the fake runtime: its global flags, the verb it names, and its exit code and log on an error. */
import { mkdirSync } from 'node:fs';
import { SPEC_VERSION } from '../spec/version.js';
import { bool, parseFlags, str, UsageError, type FlagSpec } from './args.js';
import { checkpointCommands } from './checkpoint.js';
import type { Command } from './command.js';
import { call, defaultRoot, HandOver, log, makeDefaultRoot, pathOf, print } from './context.js';
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

/** The verb of a command line (its first word that is neither a global flag nor its value). */
export function verbOf(argv: readonly string[]): string | undefined {
  return argv.find((a, i) => !a.startsWith('-') && !isFlagValue(argv, i));
}

/** Runs one call (in the call context `serve` set) and returns its exit code; an error becomes a message and a log line. */
export async function runCall(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (error) {
    if (error instanceof HandOver) throw error;
    const message = error instanceof Error ? error.message : String(error);
    log('error', message);
    call().write('stderr', `rtconform-fake-runtime: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const verbAt = argv.findIndex((a, i) => !a.startsWith('-') && !isFlagValue(argv, i));
  const globalArgs = verbAt === -1 ? argv : argv.slice(0, verbAt);
  const parsedGlobals = parseFlags(globalArgs, globalSpec, false);
  const format = str(parsedGlobals, 'log-format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`unknown log format "${format}": use text or json`);
  const current = call();
  const givenRoot = str(parsedGlobals, 'root');
  current.root = givenRoot === undefined ? defaultRoot() : pathOf(givenRoot);
  const logFile = str(parsedGlobals, 'log');
  current.log = logFile === undefined ? undefined : pathOf(logFile);
  current.logFormat = format;
  if (bool(parsedGlobals, 'version')) {
    print(`rtconform-fake-runtime version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
    return 0;
  }
  if (verbAt === -1 || bool(parsedGlobals, 'help')) {
    print(`usage: rtconform-fake-runtime [--root DIR] [--log FILE] [--log-format json] COMMAND [ARGS]\ncommands: ${Object.keys(commands).join(', ')}\n`);
    return verbAt === -1 && !bool(parsedGlobals, 'help') ? 1 : 0;
  }
  current.faults = activeFaults(current.root, current.faultsFromEnv);
  const verb = argv[verbAt]!;
  const command = commands[verb];
  if (!command) throw new UsageError(`unknown command "${verb}"`);
  const parsed = parseFlags(argv.slice(verbAt + 1), command.flags, true);
  if (givenRoot === undefined) makeDefaultRoot();
  else mkdirSync(current.root, { recursive: true, mode: 0o700 });
  return command.run(parsed, new Store(current.root));
}

function isFlagValue(argv: readonly string[], i: number): boolean {
  const prev = argv[i - 1];
  if (prev === undefined || !prev.startsWith('-') || prev.includes('=')) return false;
  const spec = globalSpec[prev.replace(/^--?/, '')];
  return spec?.type === 'string';
}

/** Creating a container from a bundle, shared by create, run and restore. */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OciConfig } from '../spec/config.js';
import { procStat } from '../util/procfs.js';
import { str, type FlagSpec, type Parsed } from './args.js';
import { load, requireId } from './command.js';
import { call, FakeError, has, pathOf } from './context.js';
import { spawnInit } from './init.js';
import type { FakeContainer, Store } from './store.js';

export const createFlags: FlagSpec = {
  bundle: { type: 'string', short: 'b' },
  'pid-file': { type: 'string' },
  'console-socket': { type: 'string' },
  'no-pivot': { type: 'boolean' },
  'no-new-keyring': { type: 'boolean' },
};

async function readConfig(bundle: string): Promise<OciConfig> {
  const file = join(bundle, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new FakeError(`cannot read ${file}: the bundle must contain config.json`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FakeError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const { parseConfig } = await import('./validate.js');
  const config = parseConfig(json, file);
  if (typeof config === 'string') throw new FakeError(config);
  return config;
}

export async function create(parsed: Parsed, store: Store, options: { gate: boolean }): Promise<{ container: FakeContainer; child?: ChildProcess }> {
  const stdio = call().containerStdio();
  const id = requireId(parsed, 'create');
  if (!/^[\w+\-.]+$/.test(id)) throw new FakeError(`invalid container id "${id}"`);
  if (store.exists(id)) {
    if (has('duplicate-create-accepted')) return { container: load(store, id) };
    throw new FakeError(`container with id "${id}" already exists`);
  }
  if (str(parsed, 'console-socket') !== undefined) throw new FakeError('the fake runtime has no terminal support (--console-socket)');
  const bundleAsGiven = str(parsed, 'bundle') ?? '.';
  const bundle = pathOf(bundleAsGiven);
  const config = await readConfig(bundle);
  if (!config.process) throw new FakeError('config.json has no process: nothing to run');
  if (config.process.terminal) throw new FakeError('process.terminal is true but the fake runtime has no terminal support');
  if (config.root) {
    const rootfs = resolve(bundle, config.root.path);
    if (!existsSync(rootfs)) throw new FakeError(`root.path ${rootfs} does not exist`);
  }
  mkdirSync(store.dir(id), { recursive: true });
  execFileSync('mkfifo', [store.fifo(id)]);
  let child: ChildProcess;
  try {
    child = spawnInit(store, id, config, bundle, options.gate && !has('process-runs-at-create'), stdio);
  } catch (error) {
    store.remove(id);
    throw error;
  }
  const pid = child.pid!;
  const container: FakeContainer = {
    id, ociVersion: config.ociVersion, pid, startTime: procStat(pid)?.startTime ?? 0,
    bundle, bundleAsGiven, created: new Date().toISOString(), started: !options.gate, paused: false, config,
  };
  store.save(container);
  const pidFile = str(parsed, 'pid-file');
  if (pidFile) writeFileSync(pathOf(pidFile), String(pid));
  return { container, child };
}

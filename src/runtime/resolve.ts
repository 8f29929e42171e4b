import { existsSync } from 'node:fs';
import { basename, delimiter, join, resolve } from 'node:path';
import { CliRuntime } from './cli-runtime.js';
import { MonitoredCliRuntime } from './monitored-runtime.js';
import { RuntimeNotFoundError } from './errors.js';
import { HostProcessRunner, type ProcessRunner } from './process-runner.js';
import {
  BUILTIN_RUNTIMES, builtinDeclaration, isBuiltinRuntime, loadDeclaration, resolveDeclaration, type RuntimeDeclaration,
} from './declaration.js';
import type { MonitorOptions } from './monitor.js';
import type { RuntimeProfile } from './profiles.js';

export function fakeRuntimePath(): string {
  return builtinDeclaration('fake').profile.binary;
}

export interface ResolvedRuntime {
  declaration: RuntimeDeclaration;
  profile: RuntimeProfile;
  /** Absolute path of the binary on the host. */
  binary: string;
}

const DECLARATION_FILE = /\.(ya?ml|json)$/i;

/**
 * What a `--runtime` argument names: a built-in runtime (fake, runc, crun, runsc), a declaration
 * file (.yaml, .yml, .json), or a path to a binary. A binary named like a built-in one is that
 * runtime (`/opt/runc-1.2/runc` is runc); any other follows runc's conventions and claims nothing.
 */
export function declarationFor(nameOrPath: string): RuntimeDeclaration {
  if (isBuiltinRuntime(nameOrPath)) return builtinDeclaration(nameOrPath);
  if (DECLARATION_FILE.test(nameOrPath)) return loadDeclaration(nameOrPath);
  const base = basename(nameOrPath);
  const builtin = BUILTIN_RUNTIMES.find((name) => name !== 'fake' && builtinDeclaration(name).profile.binary === base);
  if (builtin) {
    const declaration = builtinDeclaration(builtin);
    return { ...declaration, profile: { ...declaration.profile, binary: nameOrPath } };
  }
  return resolveDeclaration({ name: base, binary: nameOrPath }, `--runtime ${nameOrPath}`);
}

/** `fake`, a built-in name looked up on PATH, a declaration file, or a path to any runc-compatible binary. */
export function resolveRuntime(nameOrPath: string, searchPath = process.env.PATH ?? ''): ResolvedRuntime {
  return locate(declarationFor(nameOrPath), searchPath);
}

/** Where a declaration's binary is: its path, or the first match on `searchPath`. */
function locate(declaration: RuntimeDeclaration, searchPath: string): ResolvedRuntime {
  const profile = declaration.profile;
  if (profile.binary.includes('/')) {
    const binary = resolve(profile.binary);
    if (!existsSync(binary)) throw new RuntimeNotFoundError(binary, profile.install);
    return { declaration, profile, binary };
  }
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, profile.binary);
    if (existsSync(candidate)) return { declaration, profile, binary: candidate };
  }
  throw new RuntimeNotFoundError(`${profile.binary} (searched PATH)`, profile.install);
}

export interface OpenRuntimeOptions {
  /** Scratch space for the runtime's per-call logs, process files and default container stdio; yours to remove. */
  workDir: string;
  /** Where commands run: this machine (default), or a target container's runner. */
  runner?: ProcessRunner;
  /** The runtime's state root (`--root`); the runtime's own default when absent. */
  root?: string;
  /** Limit for one call (default 30 s): a runtime that hangs ends as a RuntimeTimeoutError. */
  callTimeoutMs?: number;
  /** Extra environment for every call. */
  env?: Record<string, string>;
  /**
   * Create containers under this monitor (conmon, as cri-o does): the runtime opened is then a
   * MonitoredRuntime, which gives `wait`, `logs`, `attach` and exec with a terminal.
   */
  monitor?: MonitorOptions;
}

/** What openRuntime takes: see there. */
export type RuntimeToOpen = string | RuntimeDeclaration | Pick<ResolvedRuntime, 'profile' | 'binary'>;

/**
 * Opens a runtime to drive, the one way: by name (`runc`, `fake`), path to a binary, path to a
 * declaration file, a declaration (`loadDeclaration`), or a runtime already resolved (a profile
 * and the binary as the runner sees it). A runtime that cannot be found is a RuntimeNotFoundError.
 * With `monitor`, a MonitoredCliRuntime: its containers are created under conmon.
 */
export function openRuntime(runtime: RuntimeToOpen, options: OpenRuntimeOptions & { monitor: MonitorOptions }): MonitoredCliRuntime;
export function openRuntime(runtime: RuntimeToOpen, options: OpenRuntimeOptions): CliRuntime;
export function openRuntime(runtime: RuntimeToOpen, options: OpenRuntimeOptions): CliRuntime {
  const { profile, binary } = typeof runtime === 'string'
    ? resolveRuntime(runtime)
    : 'binary' in runtime ? runtime : locate(runtime, process.env.PATH ?? '');
  const settings = {
    profile,
    binary,
    runner: options.runner ?? new HostProcessRunner(),
    workDir: options.workDir,
    root: options.root,
    callTimeoutMs: options.callTimeoutMs,
    env: options.env,
  };
  return options.monitor === undefined ? new CliRuntime(settings) : new MonitoredCliRuntime({ ...settings, monitor: options.monitor });
}

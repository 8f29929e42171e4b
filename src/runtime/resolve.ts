import { existsSync } from 'node:fs';
import { basename, delimiter, join, resolve } from 'node:path';
import { CliRuntime } from './cli-runtime.js';
import { RuntimeNotFoundError } from './errors.js';
import { HostProcessRunner, type ProcessRunner } from './process-runner.js';
import {
  BUILTIN_RUNTIMES, builtinDeclaration, isBuiltinRuntime, loadDeclaration, resolveDeclaration, type RuntimeDeclaration,
} from './declaration.js';
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
  const declaration = declarationFor(nameOrPath);
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
  workDir: string;
  runner?: ProcessRunner;
  root?: string;
  callTimeoutMs?: number;
  env?: Record<string, string>;
}

export function openRuntime(resolved: Pick<ResolvedRuntime, 'profile' | 'binary'>, options: OpenRuntimeOptions): CliRuntime {
  return new CliRuntime({
    profile: resolved.profile,
    binary: resolved.binary,
    runner: options.runner ?? new HostProcessRunner(),
    workDir: options.workDir,
    root: options.root,
    callTimeoutMs: options.callTimeoutMs,
    env: options.env,
  });
}

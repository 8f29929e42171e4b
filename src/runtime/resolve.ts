import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliRuntime } from './cli-runtime.js';
import { RuntimeNotFoundError } from './errors.js';
import { HostProcessRunner, type ProcessRunner } from './process-runner.js';
import { profileFor, profiles, type RuntimeProfile } from './profiles.js';

/** The package root, whether running from src/ (vitest) or dist/src/ (the built CLI). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the rtconform package root');
    dir = parent;
  }
  return dir;
}

export function fakeRuntimePath(): string {
  return join(packageRoot(), 'dist', 'src', 'fake-runtime', 'main.js');
}

export interface ResolvedRuntime {
  profile: RuntimeProfile;
  /** Absolute path of the binary on the host. */
  binary: string;
}

/** `fake`, a known name looked up on PATH, or a path to any runc-compatible binary. */
export function resolveRuntime(nameOrPath: string, searchPath = process.env.PATH ?? ''): ResolvedRuntime {
  if (nameOrPath === 'fake') {
    const binary = fakeRuntimePath();
    if (!existsSync(binary)) throw new RuntimeNotFoundError(binary, 'npm run build (the fake runtime is compiled from src/fake-runtime)');
    return { profile: profiles.fake, binary };
  }
  const profile = profileFor(nameOrPath);
  if (nameOrPath.includes('/')) {
    const binary = resolve(nameOrPath);
    if (!existsSync(binary)) throw new RuntimeNotFoundError(binary, profile.install);
    return { profile, binary };
  }
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, profile.binary);
    if (existsSync(candidate)) return { profile, binary: candidate };
  }
  if (!(nameOrPath in profiles)) {
    throw new RuntimeNotFoundError(nameOrPath, undefined);
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

export function openRuntime(resolved: ResolvedRuntime, options: OpenRuntimeOptions): CliRuntime {
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

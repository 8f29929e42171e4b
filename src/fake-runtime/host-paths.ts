/** Where a container process's program and working directory are, for the init and for exec. */
import { existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { OciConfig } from '../spec/config.js';
import { FakeError, pathOf } from './context.js';

export function lookPath(command: string, env: readonly string[]): string {
  if (command.includes('/')) {
    if (existsSync(pathOf(command))) return command;
    throw new FakeError(`exec: "${command}": no such file or directory`);
  }
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/bin:/usr/bin:/bin';
  for (const dir of pathVar.split(delimiter)) {
    const candidate = join(dir, command);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  throw new FakeError(`exec: "${command}": executable file not found in $PATH`);
}

/** The fake runs processes on the host, so a config cwd that exists on the host is used as is. */
export function hostCwd(cwd: string, config: OciConfig, bundle: string): string {
  if (existsSync(cwd)) return cwd;
  const rootfs = config.root ? resolve(bundle, config.root.path) : bundle;
  const inRoot = join(rootfs, cwd);
  if (existsSync(inRoot)) return inRoot;
  throw new FakeError(`process.cwd "${cwd}" does not exist`);
}

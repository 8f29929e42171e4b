import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inMemory, privateDirPath } from './private-dir.js';

const root = process.getuid?.() === 0;
const usual = (name: string): string => (root ? `/run/${name}` : join(tmpdir(), `${name}-${process.getuid?.() ?? 0}`));
const inShm = (name: string): string => (root ? `/dev/shm/${name}` : `/dev/shm/${name}-${process.getuid?.() ?? 0}`);
// No XDG_RUNTIME_DIR: a user's own runtime dir is kept wherever it is (the fake's default-root.test, as nobody, on a disk).
const env = {};

describe('privateDirPath', () => {
  it('keeps the usual place when it is a tmpfs', () => {
    expect(privateDirPath('rtc-x', env, () => true)).toBe(usual('rtc-x'));
  });

  it('moves to /dev/shm when the usual place is on a disk and /dev/shm is a tmpfs with room', () => {
    const asked: [string, number | undefined][] = [];
    const memory = (dir: string, room?: number): boolean => {
      asked.push([dir, room]);
      return dir === '/dev/shm';
    };
    expect(privateDirPath('rtc-x', env, memory)).toBe(inShm('rtc-x'));
    // /dev/shm must have room for runs: a container's 64 MiB /dev/shm is asked for more.
    expect(asked.find(([dir]) => dir === '/dev/shm')?.[1]).toBeGreaterThan(64 * 1024 * 1024);
  });

  it('keeps the usual place when /dev/shm is no tmpfs or has no room', () => {
    expect(privateDirPath('rtc-x', env, () => false)).toBe(usual('rtc-x'));
  });
});

describe('inMemory', () => {
  it('tells a tmpfs from another file system and from a missing dir, and weighs the room asked for', (ctx) => {
    // A tmpfs the machine mounts (/dev/shm, /run on most), as /proc/mounts lists them.
    const tmpfs = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'tmpfs')?.[1];
    if (tmpfs === undefined) return ctx.skip('no tmpfs is mounted on this machine');
    expect(inMemory(tmpfs), `${tmpfs} (tmpfs)`).toBe(true);
    expect(inMemory(tmpfs, Number.MAX_SAFE_INTEGER), `${tmpfs} asked for more room than any machine has`).toBe(false);
    // /proc is procfs everywhere: a file system, not a tmpfs.
    expect(inMemory('/proc'), '/proc (procfs)').toBe(false);
    expect(inMemory(join(tmpfs, `rtconform-missing-${process.pid}`)), 'a dir that does not exist').toBe(false);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
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
  it('tells a tmpfs from a disk and from a missing dir, and weighs the room asked for', () => {
    const onDisk = mkdtempSync(join('/var/tmp', 'rtconform-pd-'));
    try {
      // This machine kind mounts /dev/shm as tmpfs; /var/tmp is on the root file system (ext4).
      expect(inMemory('/dev/shm')).toBe(true);
      expect(inMemory('/dev/shm', Number.MAX_SAFE_INTEGER)).toBe(false);
      expect(inMemory(onDisk)).toBe(false);
      expect(inMemory(join(onDisk, 'missing'))).toBe(false);
    } finally {
      rmSync(onDisk, { recursive: true });
    }
  });
});

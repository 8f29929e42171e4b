import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';

/** The fake takes runc's CRIU options and refuses the values runc refuses; with no CRIU, they change nothing else. */
describe('the fake runtime\'s checkpoint and restore options', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'rtconform-fake-ckpt-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const fake = (...args: string[]) => execa(process.execPath, [join(packageRoot(), 'dist/fake-runtime/main.cjs'), '--root', root, ...args], { reject: false, all: true });

  it.each(['checkpoint', 'restore'])('%s refuses a cgroups mode CRIU does not know, and --empty-ns of a namespace other than network', async (verb) => {
    const bogus = await fake(verb, '--image-path', join(root, 'image'), '--manage-cgroups-mode', 'bogus', 'c1');
    expect(bogus.exitCode).not.toBe(0);
    expect(bogus.all).toContain('invalid manage-cgroups-mode value');
    const pid = await fake(verb, '--image-path', join(root, 'image'), '--empty-ns', 'network', '--empty-ns', 'pid', 'c1');
    expect(pid.exitCode).not.toBe(0);
    expect(pid.all).toContain('namespace "pid" is not supported');
  });

  it('takes every cgroups mode and --empty-ns network: a checkpoint of no container fails for that alone', async () => {
    for (const mode of ['soft', 'full', 'strict', 'ignore']) {
      const result = await fake('checkpoint', '--image-path', join(root, 'image'), '--manage-cgroups-mode', mode, '--empty-ns', 'network', 'c1');
      expect(result.exitCode, result.all).not.toBe(0);
      expect(result.all).not.toMatch(/manage-cgroups-mode|not supported|flag provided but not defined/);
    }
  });
});

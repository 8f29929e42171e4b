import { existsSync, readdirSync, statSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { isRoot } from '../util/is-root.js';

const NOBODY = 65534;

/**
 * The fake's state root without --root is a private dir of the user's, made when a verb needs
 * it and not before: `--version`, `--help` or a refused call leave nothing on the machine. As
 * nobody, with a runtime dir of the test's own, so the dir is the test's alone to look at (as
 * root it is /run/rtconform-fake, which other tests' calls may make).
 */
describe.runIf(isRoot())('the fake runtime\'s default state root', () => {
  it('is made by the first verb that uses it, private; --version, --help and a refused call make nothing', async () => {
    const xdg = await mkdtemp('/tmp/fake-xdg-');
    try {
      await chown(xdg, NOBODY, NOBODY);
      const fake = (...args: string[]) => execa('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, join(packageRoot(), 'dist/fake-runtime/main.cjs'), ...args], {
        reject: false, all: true, env: { XDG_RUNTIME_DIR: xdg },
      });
      expect((await fake('--version')).exitCode).toBe(0);
      expect((await fake('--help')).exitCode).toBe(0);
      expect((await fake('no-such-verb')).exitCode).toBe(2);
      expect(readdirSync(xdg), 'what calls that use no state made').toEqual([]);

      const list = await fake('list');
      expect(list.exitCode, list.all).toBe(0);
      const root = join(xdg, 'rtconform-fake');
      expect(existsSync(root), 'the state root, once a verb used it').toBe(true);
      expect(statSync(root).uid).toBe(NOBODY);
      expect(statSync(root).mode & 0o777).toBe(0o700);
    } finally {
      await rm(xdg, { recursive: true, force: true });
    }
  });
});

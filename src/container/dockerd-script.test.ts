import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { isRoot } from '../util/is-root.js';
import { isAlive } from '../util/procfs.js';

/**
 * scripts/dockerd, which .ci/run uses to start and stop an engine of rtconform's own: what it
 * started goes when it stops, its data root (the image cache) stays. A second, "remote"
 * instance with dirs and a port of the test's own, so the machine's engine is not touched.
 */
describe('scripts/dockerd', () => {
  it('stop removes the run dir start made (pid, socket, log, exec root) and keeps the data root', async (ctx) => {
    if (!isRoot()) return ctx.skip('dockerd needs root');
    const found = await execa('sh', ['-c', 'command -v dockerd'], { reject: false });
    if (found.exitCode !== 0) return ctx.skip('dockerd is not installed (apt-get install -y --no-install-recommends docker.io)');
    const base = await mkdtemp('/tmp/dockerd-script-');
    const env = { RTCONFORM_REMOTE_DOCKER_RUN: join(base, 'run'), RTCONFORM_REMOTE_DOCKER_DATA: join(base, 'data'), RTCONFORM_REMOTE_PORT: String(23_800 + (process.pid % 100)) };
    const script = (verb: string) => execa(join(packageRoot(), 'scripts/dockerd'), [verb, 'remote'], { env, reject: false, all: true, timeout: 60_000 });
    try {
      const started = await script('start');
      expect(started.exitCode, started.all).toBe(0);
      const pid = Number(readFileSync(join(base, 'run', 'docker.pid'), 'utf8'));
      expect(existsSync(join(base, 'run', 'dockerd.log')), 'the run dir while the engine runs').toBe(true);

      const stopped = await script('stop');
      expect(stopped.exitCode, stopped.all).toBe(0);
      expect(existsSync(join(base, 'run')), 'the run dir once the engine stopped').toBe(false);
      expect(existsSync(join(base, 'data')), 'the data root (the image cache)').toBe(true);
      expect(isAlive(pid), 'dockerd').toBe(false);
    } catch (error) {
      await script('stop');
      throw error;
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }, 90_000);
});

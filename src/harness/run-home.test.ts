import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { releaseRunsDir } from './run-home.js';

describe('the default dir of runs', () => {
  let base: string | undefined;
  afterEach(async () => {
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  });

  it('goes with the last run\'s home, stays while another run is in it, and a --state-dir stays always', async () => {
    base = await mkdtemp('/tmp/runs-test-');
    // Stands in for /run/rtconform: the real one is shared with the runs other tests start.
    const runs = join(base, 'rtconform');
    const [first, second] = [join(runs, 'aa-111111'), join(runs, 'bb-222222')];
    await mkdir(second, { recursive: true });
    releaseRunsDir(first, runs);
    expect(existsSync(runs), 'the dir while another run is in it').toBe(true);
    await rm(second, { recursive: true });
    releaseRunsDir(second, runs);
    expect(existsSync(runs), 'the dir once its last run is gone').toBe(false);

    const stateDir = join(base, 'mine');
    await mkdir(stateDir);
    releaseRunsDir(join(stateDir, 'cc-333333'), runs);
    expect(existsSync(stateDir), 'a --state-dir, empty').toBe(true);
  });
});

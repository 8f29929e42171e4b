import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../util/procfs.js';
import { waitFor } from '../util/wait.js';
import { killLeftoverProcesses } from './sweep.js';

describe('the sweep after a run', () => {
  it('kills what still names the run, as runsc\'s sandbox does when its state is gone, and nothing else', async () => {
    // Stand-ins: one process naming a container id of the run, one naming the run dir, one of another run.
    // One process each, the mark in its own argv: killing it leaves no child behind.
    const idle = (mark: string): ReturnType<typeof spawn> => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)', mark], { stdio: 'ignore' });
    const ours = idle('rtc-sw1-deadbeef');
    const inDir = idle('/tmp/rtconform-sw1-xyz/tests/log');
    const theirs = idle('rtc-sw2-deadbeef');
    const marked = (child: ReturnType<typeof spawn>, mark: string): Promise<true> => waitFor(
      () => (readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').includes(mark) ? true : undefined),
      { timeoutMs: 5000, description: `process ${child.pid} to run with ${mark}` },
    );
    await Promise.all([marked(ours, 'rtc-sw1-'), marked(inDir, 'rtconform-sw1-'), marked(theirs, 'rtc-sw2-')]);
    try {
      const killed = await killLeftoverProcesses('/tmp/rtconform-sw1-xyz', 'sw1');
      expect(killed.sort()).toEqual([`process ${ours.pid}`, `process ${inDir.pid}`].sort());
      await Promise.all([once(ours, 'exit'), once(inDir, 'exit')]);
      expect(isAlive(theirs.pid!)).toBe(true);
    } finally {
      for (const child of [ours, inDir, theirs]) child.kill('SIGKILL');
    }
  });
});

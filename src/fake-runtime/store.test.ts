import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { afterEach, describe, expect, it } from 'vitest';
import { procStat } from '../util/procfs.js';
import { containerPids } from './processes.js';
import { Store, type FakeContainer } from './store.js';

describe('the fake\'s record of exec\'d processes', () => {
  const children: ChildProcess[] = [];
  const sleeper = (): number => {
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  };
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('names an exec\'d pid only while its process is the one recorded: a pid come round again is a stranger\'s', async () => {
    const root = await dir({ prefix: 'rtconform-fake-store-', unsafeCleanup: true });
    try {
      const store = new Store(root.path);
      const init = sleeper();
      const container: FakeContainer = {
        id: 'c', ociVersion: '1.2.0', pid: init, startTime: procStat(init)!.startTime, bundle: '/b', bundleAsGiven: '/b',
        created: new Date().toISOString(), started: true, paused: false, config: { ociVersion: '1.2.0' } as FakeContainer['config'],
      };
      store.save(container);
      const execd = sleeper();
      store.recordExec('c', execd);
      // A stranger at a pid the fake once recorded: the record's start time is not this process's.
      const stranger = sleeper();
      writeFileSync(join(store.execDir('c'), String(stranger)), String(procStat(stranger)!.startTime - 1));
      expect(store.execPids('c')).toEqual([execd]);
      expect(containerPids(store, container)).toEqual([init, execd].sort((a, b) => a - b));
    } finally {
      await root.cleanup();
    }
  });
});

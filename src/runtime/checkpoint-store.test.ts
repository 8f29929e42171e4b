import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BundleBuilder, writeConfig } from '../bundle/bundle-builder.js';
import { stopResidentFakes } from '../harness/sweep.js';
import { CheckpointStore } from './checkpoint-store.js';
import type { CliRuntime } from './cli-runtime.js';
import { openRuntime } from './resolve.js';

/** Named checkpoints of a real (fake) runtime's container, and what the store makes of damaged entries. */
describe('CheckpointStore', () => {
  let work: DirectoryResult;
  let runtime: CliRuntime;

  beforeEach(async () => {
    work = await dir({ prefix: 'rtconform-checkpoints-', unsafeCleanup: true });
    runtime = openRuntime('fake', { workDir: join(work.path, 'adapter'), root: join(work.path, 'state'), callTimeoutMs: 10_000 });
    const bundle = join(work.path, 'bundle');
    await writeConfig(bundle, new BundleBuilder().args('sleep', '30').build());
    await mkdir(join(bundle, 'rootfs'));
    await runtime.create('c1', { bundle });
    await runtime.start('c1');
  });

  afterEach(async () => {
    await runtime.delete('c1', { force: true }).catch(() => undefined);
    await stopResidentFakes([work.path]);
    await work.cleanup();
  });

  it('records each checkpoint\'s options in its metadata', async () => {
    const store = new CheckpointStore(join(work.path, 'checkpoints'));
    await store.create(runtime, 'c1', 'plain', { leaveRunning: true });
    await store.create(runtime, 'c1', 'with-options', { leaveRunning: true, tcpEstablished: true, shellJob: true, extUnixSk: true, fileLocks: true });
    const { checkpoints, unreadable } = await store.list();
    expect(unreadable).toEqual([]);
    expect(checkpoints.map((c) => [c.name, c.leaveRunning, c.options])).toEqual([
      ['plain', true, {}],
      ['with-options', true, { tcpEstablished: true, shellJob: true, extUnixSk: true, fileLocks: true }],
    ]);
  });

  it('lists what it can read and names each damaged entry with why; a damaged one can be deleted', async () => {
    const store = new CheckpointStore(join(work.path, 'checkpoints'));
    await store.create(runtime, 'c1', 'good', { leaveRunning: true });
    for (const [name, text] of [['not-json', '{ "name": '], ['wrong-shape', '{"name": 7}']] as const) {
      await mkdir(join(store.dir, name), { recursive: true });
      await writeFile(join(store.dir, name, 'metadata.json'), text);
    }
    await mkdir(join(store.dir, 'no-metadata'), { recursive: true });
    const { checkpoints, unreadable } = await store.list();
    expect(checkpoints.map((c) => c.name)).toEqual(['good']);
    expect(unreadable.map((u) => u.name).sort()).toEqual(['no-metadata', 'not-json', 'wrong-shape']);
    for (const u of unreadable) expect(u.reason).toContain(join(store.dir, u.name, 'metadata.json'));
    expect(unreadable.find((u) => u.name === 'wrong-shape')?.reason).toMatch(/name/);
    await store.delete('not-json');
    expect((await store.list()).unreadable.map((u) => u.name).sort()).toEqual(['no-metadata', 'wrong-shape']);
  });
});

import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRuntimes } from '../../src/fixtures/test-context.js';
import { listed } from '../../src/fixtures/list.js';
import { eventuallyContains } from '../../src/util/eventually.js';
import { refusal } from '../../src/fixtures/refusal.js';

describeRuntimes('lifecycle: create', (requirement) => {
  requirement('create.status-created', 'create leaves the container in status created', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    expect((await runtime.state(id)).status).toBe('created');
  });

  requirement('create.process-not-run', 'create does not run the user program; start does', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell('echo user-program-ran; exec sleep 600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    // A state round trip gives a program wrongly started at create time a chance to write.
    await runtime.state(id);
    expect(await b.output()).toBe('');
    await runtime.start(id);
    await eventuallyContains(b.output, 'user-program-ran');
  });

  requirement('create.duplicate-id', 'create with an id in use fails and leaves the first container alone', async ({ runtime, id, bundle }) => {
    const first = await bundle((c) => c.args('sleep', '600').annotation('which', 'first'));
    const second = await bundle((c) => c.args('sleep', '600').annotation('which', 'second'));
    await runtime.create(id, { bundle: first.dir, stdio: first.stdio });
    const before = await runtime.state(id);
    await refusal(runtime.create(id, { bundle: second.dir, stdio: second.stdio }));
    const after = await runtime.state(id);
    expect(after.status).toBe('created');
    expect(after.pid).toBe(before.pid);
    expect(after.bundle).toBe(before.bundle);
  });

  requirement('create.missing-config', 'create of a bundle without config.json fails', async ({ runtime, id, bundle }) => {
    const b = await bundle();
    await rm(join(b.dir, 'config.json'));
    await refusal(runtime.create(id, { bundle: b.dir, stdio: b.stdio }));
  });

  requirement('create.invalid-config', 'create with a config.json that is not JSON fails', async ({ runtime, id, bundle }) => {
    const b = await bundle();
    await writeFile(join(b.dir, 'config.json'), '{"ociVersion": "1.2.0", "process": ');
    await refusal(runtime.create(id, { bundle: b.dir, stdio: b.stdio }));
  });

  requirement('create.error-no-trace', 'a failed create leaves no container behind', async ({ runtime, runner, selection, id, bundle }) => {
    const b = await bundle();
    await writeFile(join(b.dir, 'config.json'), 'not json at all');
    await refusal(runtime.create(id, { bundle: b.dir, stdio: b.stdio }));
    await refusal(runtime.state(id));
    expect((await listed({ runtime, runner, selection })).map((c) => c.id)).not.toContain(id);
  });

  requirement('create.config-changes-ignored', 'editing config.json after create changes nothing', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell('echo original-args; exec sleep 600').annotation('phase', 'at-create'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    const changed = structuredClone(b.config);
    changed.process!.args = ['sh', '-c', 'echo edited-args; exec sleep 600'];
    changed.annotations = { phase: 'edited' };
    await b.rewrite(changed);
    await runtime.start(id);
    await eventuallyContains(b.output, 'original-args');
    expect(await b.output()).not.toContain('edited-args');
    expect((await runtime.state(id)).annotations?.phase).not.toBe('edited');
  });
});

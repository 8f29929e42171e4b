import { expect } from 'vitest';
import { processExists } from '../../src/fixtures/process-exists.js';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import { describeRuntimes } from '../../src/fixtures/test-context.js';
import { listed } from '../../src/fixtures/list.js';
import { waitFor } from '../../src/util/wait.js';
import { refusal } from '../../src/fixtures/refusal.js';

describeRuntimes('lifecycle: delete', (requirement) => {
  requirement('delete.removes', 'delete of a stopped container removes it', async ({ runtime, runner, selection, id, bundle }) => {
    const b = await bundle((c) => c.args('true'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await waitForStatus(runtime, id, 'stopped');
    await runtime.delete(id);
    await refusal(runtime.state(id));
    expect((await listed({ runtime, runner, selection })).map((c) => c.id)).not.toContain(id);
  });

  requirement('delete.not-stopped', 'delete of a running container fails and leaves it running', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    const before = await runtime.state(id);
    await refusal(runtime.delete(id));
    const after = await runtime.state(id);
    expect(after.status).toBe('running');
    expect(after.pid).toBe(before.pid);
  });

  requirement('delete.not-stopped', 'delete of a created container fails and leaves it created', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await refusal(runtime.delete(id));
    expect((await runtime.state(id)).status).toBe('created');
  });

  requirement('delete.unknown-id', 'delete of an unknown container fails', async ({ runtime, id }) => {
    await refusal(runtime.delete(id));
  });

  requirement('delete.id-reusable', 'after delete the same id can be created again', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    // Started first: a kill of a created container is a question of its own (runsc refuses it).
    await runtime.start(id);
    await runtime.kill(id, 'KILL');
    await waitForStatus(runtime, id, 'stopped');
    await runtime.delete(id);
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    expect((await runtime.state(id)).status).toBe('created');
  });

  requirement('cli.delete.force', 'delete --force removes a running container and ends its process', async (ctx) => {
    const { runtime, id, bundle } = ctx;
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    const { pid } = await runtime.state(id);
    await runtime.delete(id, { force: true });
    await refusal(runtime.state(id));
    await waitFor(async () => ((await processExists(ctx, pid!)) ? undefined : true), { timeoutMs: 10_000, who: 'runtime', description: `pid ${pid} to be gone` });
  });
});

import { expect } from 'vitest';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import { describeRuntimes } from '../../src/fixtures/test-context.js';
import { eventuallyContains } from '../../src/util/eventually.js';
import { refusal } from '../../src/fixtures/refusal.js';

describeRuntimes('lifecycle: start', (requirement) => {
  requirement('start.runs-process', 'start runs the user program', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell('echo hello-from-container; exec sleep 600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await eventuallyContains(b.output, 'hello-from-container');
  });

  requirement('start.status-running', 'after start the status is running', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    expect((await runtime.state(id)).status).toBe('running');
  });

  requirement('start.not-created', 'start of a running container fails and changes nothing', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell('echo started-once; exec sleep 600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await eventuallyContains(b.output, 'started-once');
    const before = await runtime.state(id);
    await refusal(runtime.start(id));
    const after = await runtime.state(id);
    expect(after.status).toBe('running');
    expect(after.pid).toBe(before.pid);
    expect((await b.output()).match(/started-once/g)).toHaveLength(1);
  });

  requirement('start.not-created', 'start of a stopped container fails', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('true'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await waitForStatus(runtime, id, 'stopped');
    await refusal(runtime.start(id));
    expect((await runtime.state(id)).status).toBe('stopped');
  });

  requirement('start.unknown-id', 'start of an unknown container fails', async ({ runtime, id }) => {
    await refusal(runtime.start(id));
  });
});

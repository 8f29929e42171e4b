import { expect } from 'vitest';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import { describeRuntimes } from '../../src/fixtures/test-context.js';
import { eventuallyContains } from '../../src/util/eventually.js';
import { waitFor } from '../../src/util/wait.js';
import { refusal } from '../../src/fixtures/refusal.js';

/** A container process that reports each trapped signal; pid 1 ignores untrapped ones. */
const trapper = (signals: string[]): string =>
  signals.map((s) => `trap 'echo got-${s}' ${s};`).join(' ') + ' echo init-ready; while :; do sleep 0.05; done';

describeRuntimes('lifecycle: kill', (requirement) => {
  requirement('kill.delivers-signal', 'kill delivers the signal to the container process', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell("trap 'echo got-TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done"));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await eventuallyContains(b.output, 'ready');
    await runtime.kill(id, 'TERM');
    await eventuallyContains(b.output, 'got-TERM');
    await waitForStatus(runtime, id, 'stopped');
  });

  requirement('kill.delivers-signal', 'kill of a created container ends it', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.kill(id, 'KILL');
    await waitForStatus(runtime, id, 'stopped');
  });

  requirement('kill.not-alive', 'kill of a stopped container fails', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('true'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await waitForStatus(runtime, id, 'stopped');
    await refusal(runtime.kill(id, 'TERM'));
    expect((await runtime.state(id)).status).toBe('stopped');
  });

  requirement('kill.unknown-id', 'kill of an unknown container fails', async ({ runtime, id }) => {
    await refusal(runtime.kill(id, 'TERM'));
  });

  requirement('cli.kill.signal-forms', 'kill accepts USR1, SIGUSR1 and 10', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell(trapper(['USR1'])));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await eventuallyContains(b.output, 'init-ready');
    let expected = 0;
    for (const form of ['USR1', 'SIGUSR1', 10]) {
      await runtime.kill(id, form);
      expected++;
      await waitFor(async () => ((await b.output()).match(/got-USR1/g)?.length === expected ? true : undefined), {
        timeoutMs: 10_000, who: 'runtime', description: `signal ${form} to arrive`,
      });
    }
  });

  requirement('cli.kill.stop-escalation', 'a process that ignores SIGTERM runs on through the grace period, and SIGKILL stops it', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell("trap '' TERM; echo ready; while :; do sleep 0.05; done"));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    // The trap is set once it says ready: a TERM before that would end it, as it should.
    await eventuallyContains(b.output, 'ready');
    // stop sends TERM, waits the grace period while the container runs, then KILL: 'killed' says
    // it was still running when the grace period ended (the control: TERM alone did not stop it).
    expect(await runtime.stop(id, { graceMs: 500 }), 'what ended the container').toBe('killed');
    expect(await runtime.status(id), 'the container after SIGKILL').toBe('stopped');
  });

  requirement('cli.kill.all', 'kill --all reaches every process in the container', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell(
      "(trap 'echo child-got-TERM; exit 0' TERM; echo child-ready; while :; do sleep 0.05; done) & " + trapper(['TERM'])));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await eventuallyContains(b.output, 'child-ready');
    await eventuallyContains(b.output, 'init-ready');
    await runtime.kill(id, 'TERM', { all: true });
    await eventuallyContains(b.output, 'child-got-TERM');
  });
});

import { join } from 'node:path';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { openRuntime } from '../../src/runtime/resolve.js';
import type { Runtime } from '../../src/runtime/runtime.js';

/**
 * The runtime over a state root of the test's own. A runtime that resolves ids by prefix
 * (runsc) takes '' for the only container of its root: in the shared root, with the other
 * tests' containers coming and going, it would act on a neighbour's container, at random.
 */
function alone(ctx: RuntimeTestContext): Runtime {
  return openRuntime({ profile: ctx.runtime.profile, binary: ctx.runtime.binary }, {
    runner: ctx.runner, workDir: join(ctx.workDir, 'alone'), root: join(ctx.workDir, 'alone-root'), callTimeoutMs: ctx.run.plan.callTimeoutMs,
  });
}

/** An operation that needs a container id, called without one: the runtime must say so, not guess. */
describeRuntimes('lifecycle: operations without a container id', (requirement) => {
  requirement('start.missing-id', 'start without a container id is an error', async (ctx) => {
    await refusal(alone(ctx).start(''));
  });

  requirement('kill.missing-id', 'kill without a container id is an error', async (ctx) => {
    await refusal(alone(ctx).kill('', 'TERM'));
  });

  requirement('delete.missing-id', 'delete without a container id is an error', async (ctx) => {
    await refusal(alone(ctx).delete(''));
  });
});

import { runtimeWithOwnRoot } from '../../src/fixtures/reopen-runtime.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes } from '../../src/fixtures/test-context.js';

/** An operation that needs a container id, called without one: the runtime must say so, not guess. */
describeRuntimes('lifecycle: operations without a container id', (requirement) => {
  requirement('start.missing-id', 'start without a container id is an error', async (ctx) => {
    await refusal(runtimeWithOwnRoot(ctx).start(''));
  });

  requirement('kill.missing-id', 'kill without a container id is an error', async (ctx) => {
    await refusal(runtimeWithOwnRoot(ctx).kill('', 'TERM'));
  });

  requirement('delete.missing-id', 'delete without a container id is an error', async (ctx) => {
    await refusal(runtimeWithOwnRoot(ctx).delete(''));
  });
});

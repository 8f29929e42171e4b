import { waitFor, WaitTimeoutError } from '../util/wait.js';
import { ContainerWaitError, RuntimeError } from './errors.js';
import type { Runtime } from './runtime.js';

/**
 * Polls `state` until the container has `wanted` status. Right after create only `creating` may
 * stand before `created`; any other status there is the runtime's answer, so it fails at once
 * instead of polling out the whole timeout.
 */
export async function waitForStatus(runtime: Pick<Runtime, 'state'>, id: string, wanted: string, timeoutMs = 10_000): Promise<void> {
  let last: string | undefined;
  try {
    await waitFor(async (seen) => {
      last = (await runtime.state(id)).status;
      seen(last);
      if (last === wanted) return true;
      if (wanted === 'created' && last !== 'creating') {
        const why = last === 'stopped' ? 'the container process exited before create finished' : `the runtime reported "${last}" after create`;
        throw new ContainerWaitError(id, wanted, last, why);
      }
      return undefined;
    }, { timeoutMs, who: 'runtime', description: `${id} to be ${wanted}` });
  } catch (error) {
    if (error instanceof WaitTimeoutError) throw new ContainerWaitError(id, wanted, last, error.message);
    if (error instanceof RuntimeError) throw new ContainerWaitError(id, wanted, last, `state failed: ${error.message}`);
    throw error;
  }
}

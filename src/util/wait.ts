import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  /** First poll interval; it doubles up to maxIntervalMs so quick conditions resolve quickly. */
  intervalMs?: number;
  maxIntervalMs?: number;
  description: string;
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(readonly description: string, readonly timeoutMs: number, readonly lastValue: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${description}` +
      (lastValue === undefined ? '' : ` (last seen: ${typeof lastValue === 'string' ? lastValue : JSON.stringify(lastValue)})`));
  }
}

/**
 * Polls `probe` until it returns something other than undefined. `probe` may report what it
 * saw through `seen` so a timeout explains itself.
 */
export async function waitFor<T>(probe: (seen: (value: unknown) => void) => Promise<T | undefined> | T | undefined, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let interval = options.intervalMs ?? 5;
  const maxInterval = options.maxIntervalMs ?? 100;
  let last: unknown;
  for (;;) {
    const value = await probe((v) => { last = v; });
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new WaitTimeoutError(options.description, options.timeoutMs, last);
    await sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
    interval = Math.min(interval * 2, maxInterval);
  }
}

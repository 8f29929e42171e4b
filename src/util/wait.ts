import { setTimeout as sleep } from 'node:timers/promises';
import { AttributedError, type Culprit } from './attributed-error.js';

export interface WaitOptions {
  timeoutMs: number;
  /** First poll interval; it doubles up to maxIntervalMs so quick conditions resolve quickly. */
  intervalMs?: number;
  maxIntervalMs?: number;
  description: string;
  /**
   * Whose doing the awaited condition is, so a timeout blames the right party: the runtime's (a
   * container that never reaches a state, a process that never prints) or rtconform's own (a
   * helper of ours that never starts).
   */
  who: Culprit;
}

export class WaitTimeoutError extends AttributedError {
  override name = 'WaitTimeoutError';
  constructor(readonly description: string, readonly timeoutMs: number, readonly lastValue: unknown, who: Culprit) {
    super(`timed out after ${timeoutMs} ms waiting for ${description}` +
      (lastValue === undefined ? '' : ` (last seen: ${typeof lastValue === 'string' ? lastValue : JSON.stringify(lastValue)})`), who, 'timed-out');
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
    if (Date.now() >= deadline) throw new WaitTimeoutError(options.description, options.timeoutMs, last, options.who);
    await sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
    interval = Math.min(interval * 2, maxInterval);
  }
}

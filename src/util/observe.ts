import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Watches a value for a fixed window and reports whether it changed. For proving something does
 * NOT happen (a frozen process stays silent) a window is the only honest tool; it is never used
 * to wait for something that should happen.
 */
export async function changesWithin<T>(read: () => Promise<T>, windowMs: number): Promise<boolean> {
  const before = JSON.stringify(await read());
  await sleep(windowMs);
  return JSON.stringify(await read()) !== before;
}

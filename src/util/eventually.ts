import { waitFor } from './wait.js';

/** Waits (no fixed sleeps) until the container wrote `text` to the file `read` returns. */
export async function eventuallyContains(read: () => Promise<string>, text: string, timeoutMs = 10_000): Promise<string> {
  return waitFor(async (seen) => {
    const content = await read();
    seen(content);
    return content.includes(text) ? content : undefined;
  }, { timeoutMs, who: 'runtime', description: `output to contain ${JSON.stringify(text)}` });
}

import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/**
 * What a file another process writes will hold, once `parse` accepts its text: watched through
 * its directory (the file may not exist yet), read again on each change. `stop` gives up, and the
 * promise resolves undefined. Used for files a process writes once it is done (an exit code, a
 * monitor's exit file or sync message), so a waiter wakes at once instead of polling.
 */
export function fileContent<T>(path: string, parse: (text: string) => T | undefined): { value: Promise<T | undefined>; stop: () => void } {
  let settle: (value: T | undefined) => void = () => undefined;
  const value = new Promise<T | undefined>((resolve) => (settle = resolve));
  const check = (): void => {
    void readFile(path, 'utf8').then((text) => {
      const parsed = parse(text);
      if (parsed !== undefined) settle(parsed);
    }, () => undefined);
  };
  const watcher = watch(dirname(path), (_event, name) => {
    if (name === basename(path)) check();
  });
  check();
  const stop = (): void => {
    watcher.close();
    settle(undefined);
  };
  void value.then(() => watcher.close());
  return { value, stop };
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { FileRefusedError, formatBytes, readBoundedText, readBoundedTextSync, type BoundedRead } from './bounded-file.js';

const THING: BoundedRead = { maxBytes: 100, what: 'a thing' };

/** Both readers, the same answers. */
const readers = [
  ['sync', (path: string, options: BoundedRead): Promise<string> => Promise.resolve().then(() => readBoundedTextSync(path, options))],
  ['async', readBoundedText],
] as const;

describe.each(readers)('reading a file bounded (%s)', (_name, read) => {
  it('reads a regular file of at most the limit, and refuses one byte more, saying its size, the limit and what to do', async () => {
    const work = await dir({ prefix: 'rtconform-bounded-', unsafeCleanup: true });
    try {
      const fits = join(work.path, 'fits');
      await writeFile(fits, 'é'.repeat(50));
      expect(await read(fits, THING)).toBe('é'.repeat(50));
      const over = join(work.path, 'over');
      await writeFile(over, 'x'.repeat(101));
      await expect(read(over, THING)).rejects.toThrow(FileRefusedError);
      await expect(read(over, { ...THING, tooBigAdvice: 'cut it' })).rejects.toThrow(`${over} is 101 bytes; a thing is at most 100 bytes: cut it`);
      const big = join(work.path, 'big');
      await writeFile(big, Buffer.alloc(3 * 1024 * 1024));
      await expect(read(big, { maxBytes: 1024 * 1024, what: 'a declaration' })).rejects.toThrow(`${big} is 3 MiB; a declaration is at most 1 MiB: check it is the file you meant`);
    } finally {
      await work.cleanup();
    }
  });

  it('refuses a FIFO at once (no writer needed), a character device and a directory, by what they are', async () => {
    const work = await dir({ prefix: 'rtconform-bounded-', unsafeCleanup: true });
    try {
      const fifo = join(work.path, 'fifo');
      await execa('mkfifo', [fifo]);
      const started = Date.now();
      await expect(read(fifo, THING)).rejects.toThrow(`${fifo} is a FIFO, not a regular file: give the path of the file itself`);
      expect(Date.now() - started).toBeLessThan(2000);
      await expect(read('/dev/zero', THING)).rejects.toThrow('/dev/zero is a character device, not a regular file');
      const folder = join(work.path, 'folder');
      await mkdir(folder);
      await expect(read(folder, THING)).rejects.toThrow(`${folder} is a directory, not a regular file`);
    } finally {
      await work.cleanup();
    }
  });

  it('reads no more than the limit and a byte of a file whose size fstat does not tell (/proc)', async () => {
    // /proc/self/status is a regular file of size 0 holding about 1 KB.
    await expect(read('/proc/self/status', { maxBytes: 16, what: 'a status' })).rejects.toThrow('/proc/self/status holds more than 16 bytes; a status is at most 16 bytes');
    expect(await read('/proc/self/status', { maxBytes: 1024 * 1024, what: 'a status' })).toMatch(/^Name:/);
  });

  it('passes an error opening the file on as it is, for the caller to word', async () => {
    await expect(read('/nonexistent/rtconform-no-such-file', THING)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('byte counts in words', () => {
  it('uses the largest binary unit that keeps a number of at least 1', () => {
    expect([0, 1023, 1024, 1536, 1024 * 1024, 52_428_800, 5 * 1024 ** 3].map(formatBytes))
      .toEqual(['0 bytes', '1023 bytes', '1 KiB', '1.5 KiB', '1 MiB', '50 MiB', '5 GiB']);
  });
});

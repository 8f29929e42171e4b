import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Reading a file someone gave us (a runtime declaration, a report to compare or merge) as text,
 * only if it is a regular file of at most `maxBytes`. rtconform runs as root on shared machines:
 * a FIFO must not hang it, /dev/zero or a huge file must not fill its memory.
 *
 * The file is opened without blocking (a FIFO opens at once, writer or not) and without becoming
 * a controlling terminal, then judged by fstat of the open descriptor (no race with a rename),
 * and read to at most `maxBytes + 1` bytes: a file can grow between fstat and read, and files of
 * /proc say size 0 whatever they hold.
 */
export interface BoundedRead {
  /** The most the file may hold. */
  maxBytes: number;
  /** What the file is, with its article, as the refusal names it: "a runtime declaration". */
  what: string;
  /** What to do about a file that is too big (default: check it is the file meant). */
  tooBigAdvice?: string;
}

/** A file that is there but is not read: not a regular file, or bigger than allowed. The message names the file, the problem and what to do. */
export class FileRefusedError extends Error {
  override name = 'FileRefusedError';
  constructor(readonly path: string, message: string) {
    super(message);
  }
}

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;
const CHUNK = 64 * 1024;

/** The file's text, if it is a regular file of at most `maxBytes`; a FileRefusedError if not; open errors (ENOENT, EACCES) as they are. */
export function readBoundedTextSync(path: string, options: BoundedRead): string {
  const fd = openSync(path, FLAGS);
  try {
    const stats = fstatSync(fd);
    refuseUnlessFits(path, stats, options);
    const chunks: Buffer[] = [];
    let total = 0;
    for (let want = nextRead(options.maxBytes, stats.size, total); want > 0; want = nextRead(options.maxBytes, stats.size, total)) {
      const buffer = Buffer.allocUnsafe(want);
      const bytesRead = readSync(fd, buffer, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    return textOf(chunks, total, path, options);
  } finally {
    closeSync(fd);
  }
}

/**
 * readBoundedTextSync for callers that await: the read is bounded (64 MiB at the most for a
 * report), so one synchronous read costs less than the many small awaits of an async one.
 */
export async function readBoundedText(path: string, options: BoundedRead): Promise<string> {
  return readBoundedTextSync(path, options);
}

/**
 * How much to read next: what fstat said is left plus one (to see EOF in one go), at least a
 * chunk (a file of /proc says 0), never past maxBytes + 1 in all: one byte more than allowed is
 * enough to refuse.
 */
function nextRead(maxBytes: number, expected: number, total: number): number {
  return Math.min(maxBytes + 1 - total, Math.max(CHUNK, expected + 1 - total));
}

function textOf(chunks: Buffer[], total: number, path: string, options: BoundedRead): string {
  if (total > options.maxBytes) tooBig(path, undefined, options);
  return Buffer.concat(chunks, total).toString('utf8');
}

function refuseUnlessFits(path: string, stats: Stats, options: BoundedRead): void {
  if (!stats.isFile()) {
    throw new FileRefusedError(path, `${path} is ${kindOf(stats)}, not a regular file: give the path of the file itself`);
  }
  if (stats.size > options.maxBytes) tooBig(path, stats.size, options);
}

function tooBig(path: string, size: number | undefined, options: BoundedRead): never {
  const limit = formatBytes(options.maxBytes);
  // A size that rounds to the limit is given exactly, or "1 MiB; at most 1 MiB" would read as a contradiction.
  const how = size === undefined ? `holds more than ${limit}` : `is ${formatBytes(size) === limit ? `${size} bytes` : formatBytes(size)}`;
  throw new FileRefusedError(path, `${path} ${how}; ${options.what} is at most ${limit}: ${options.tooBigAdvice ?? 'check it is the file you meant'}`);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'something else';
}

/** 1536 → "1.5 KiB", 52428800 → "50 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

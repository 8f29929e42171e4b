import { chmodSync, lstatSync, mkdirSync, statSync, statfsSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Places only the running user can write. rtconform runs as root on shared machines, so nothing
 * it later reads, runs or removes may sit where another local user could have put it first:
 * a shared /tmp is never used by a predictable name.
 */

/** A place that is not private: what is wrong with it and what to do, in the message. */
export class PrivateDirError extends Error {
  override name = 'PrivateDirError';
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

/**
 * Why `info` (from lstat) is no dir of the running user's alone, or undefined when it is one:
 * a symlink, another owner, or write access for group or others.
 */
export function notPrivateReason(path: string, info: Stats): string | undefined {
  if (info.isSymbolicLink()) return `${path} is a symbolic link`;
  if (!info.isDirectory()) return `${path} is not a directory`;
  if (info.uid !== uid()) return `${path} belongs to uid ${info.uid}, not to you (uid ${uid()})`;
  if ((info.mode & 0o022) !== 0) return `${path} is writable by ${(info.mode & 0o002) !== 0 ? 'everyone' : 'its group'} (mode ${(info.mode & 0o7777).toString(8)})`;
  return undefined;
}

/**
 * Why a regular file (from lstat or fstat) cannot be trusted as the running user's own data:
 * not a regular file, another owner, or writable by group or others.
 */
export function notOwnFileReason(path: string, info: Stats): string | undefined {
  if (!info.isFile()) return `${path} is not a regular file`;
  if (info.uid !== uid()) return `${path} belongs to uid ${info.uid}, not to you (uid ${uid()})`;
  if ((info.mode & 0o022) !== 0) return `${path} is writable by others (mode ${(info.mode & 0o7777).toString(8)})`;
  return undefined;
}

/**
 * Whether entries of `base` can be renamed or removed by other users: a dir others can write
 * lets them swap what is in it, unless its sticky bit keeps each entry to its owner (/tmp).
 */
function baseProblem(base: string): string | undefined {
  let info: Stats;
  try {
    info = statSync(base);
  } catch (error) {
    return `${base} cannot be used (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  if (!info.isDirectory()) return `${base} is not a directory`;
  if (info.uid !== uid() && info.uid !== 0) return `${base} belongs to uid ${info.uid}, neither to you (uid ${uid()}) nor to root`;
  if ((info.mode & 0o022) !== 0 && (info.mode & 0o1000) === 0) return `${base} is writable by others and not sticky (mode ${(info.mode & 0o7777).toString(8)})`;
  return undefined;
}

/** /dev/shm: the memory file system (tmpfs) nearly every Linux machine mounts, sticky like /tmp. */
const SHM = '/dev/shm';
/** statfs's f_type for tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;
/**
 * The room /dev/shm needs to take the private dirs: a run's home peaked at 7.7 MiB (runc and
 * crun in the sid image, checkpoints included); a container's /dev/shm (64 MiB by default) is
 * left alone.
 */
const SHM_ROOM_BYTES = 256 * 1024 * 1024;

/** Whether `dir` is on a tmpfs with at least `room` bytes free. */
export function inMemory(dir: string, room = 0): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= room;
  } catch {
    return false;
  }
}

/**
 * Where the private dir `name` of the running user is: `/run/<name>` for root (as runc keeps
 * /run/runc), else under $XDG_RUNTIME_DIR when it is set, else `<tmp>/<name>-<uid>` (as tmux
 * and ssh-agent do). Where /run or <tmp> is on a disk and /dev/shm is a tmpfs with room, in
 * /dev/shm instead: a run makes and removes tens of thousands of small files (calls' files,
 * bundles, runtimes' state), and on a disk that costs. On this project's CI machines /run is
 * ext4 without a journal, whose inode allocator steps over recently freed inodes one by one:
 * runc's suites took 33.6 CPU-s with the home there, 24.8 in /dev/shm, after busy runs; 31.2
 * and 29.1 in alternating pairs later (docs/performance.md).
 * `memory` says whether a dir is a tmpfs with the room asked for (for tests).
 */
export function privateDirPath(name: string, env: NodeJS.ProcessEnv = process.env, memory = inMemory): string {
  const xdg = env.XDG_RUNTIME_DIR;
  // The user's own runtime dir is where they asked for it, disk or not.
  if (uid() !== 0 && xdg !== undefined && xdg.startsWith('/')) return join(xdg, name);
  // Root's dir has the plain name (as /run/runc); another user's, in a dir all users share, their uid too.
  const own = uid() === 0 ? name : `${name}-${uid()}`;
  const usual = join(uid() === 0 ? '/run' : tmpdir(), own);
  return memory(dirname(usual)) || !memory(SHM, SHM_ROOM_BYTES) ? usual : join(SHM, own);
}

/**
 * The dir at `path`, made when missing, as a private dir of the running user's: one that
 * exists must be a real dir of the user's that nobody else can write, in a dir where nobody
 * else can rename it; else it is refused, never used or changed. `mode` is 0700, or 0711 where
 * others must pass through it to a dir below (they still cannot list or write it). `advice`
 * says what to do about a refusal.
 */
export function ensurePrivateDir(path: string, mode: 0o700 | 0o711, advice = 'remove it (or make it yours, mode 0700) and run again'): string {
  const problem = baseProblem(dirname(path));
  if (problem !== undefined) throw new PrivateDirError(`${path} must be a private dir of yours, but ${problem}: ${advice}`);
  try {
    mkdirSync(path, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new PrivateDirError(`cannot make ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): ${advice}`);
    }
  }
  const info = lstatSync(path);
  const reason = notPrivateReason(path, info);
  if (reason !== undefined) throw new PrivateDirError(`${path} must be a private dir of yours, but ${reason}, so another user could have put things there: ${advice}`);
  // Ours and only ours to write: nobody else needs to read it either.
  if ((info.mode & 0o777) !== mode) chmodSync(path, mode);
  return path;
}

/** The private dir `name` of the running user (privateDirPath), made 0700 when missing, refused when not private. */
export function privateDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = privateDirPath(name, env);
  return ensurePrivateDir(path, 0o700, uid() !== 0 && env.XDG_RUNTIME_DIR !== undefined ? 'point XDG_RUNTIME_DIR at a dir of your own (mode 0700), or unset it' : undefined);
}

import { constants, type Stats } from 'node:fs';
import { access, lstat, mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { REPORT_FILES, writeAtomically } from '../report/write-reports.js';
import { HarnessError } from './harness-error.js';
import { readReportText } from './read-report.js';

/** What rtconform writes into an out dir, and replaces on the next run. */
const OUR_ENTRIES: readonly string[] = [...Object.values(REPORT_FILES), 'allure-results', 'allure-report'];

/** The out dir's record that rtconform wrote those entries: only then does a run replace them. */
const MARKER = '.rtconform-out';
const MarkerSchema = z.object({ writtenBy: z.literal('rtconform'), entries: z.array(z.string()) });

/** Trees no report belongs in: the root, the kernel's pseudo file systems, the system's own dirs. */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];
const SYSTEM_DIRS = ['/', '/bin', '/boot', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/sbin', '/usr', '/var', '/run', '/tmp'];

const FLAG = '--out';

function isSystemPath(path: string): boolean {
  return SYSTEM_DIRS.includes(path) || SYSTEM_TREES.some((t) => path === t || path.startsWith(`${t}/`));
}

/**
 * An out dir that passed every check and has not been touched yet. `take()` makes it ready for
 * the reports once the run's other checks have passed too: a refused run creates nothing.
 */
export interface CheckedOutDir {
  /** The absolute path as given (symlinks kept: it is what the user reads in messages). */
  readonly path: string;
  /**
   * Makes the dir (if missing), checks it again as made, marks it as rtconform's and, with
   * `clearPrevious`, removes the previous run's reports: an interrupted run must never leave
   * old files that look new.
   */
  take(options?: { clearPrevious?: boolean }): Promise<string>;
}

/**
 * Checks `outDir` for a run's reports before anything runs, writing nothing: not a system path
 * (also once symlinks are resolved), a dir that can be made and written, that nobody else can
 * write or swap (its contents are written and replaced by whoever runs rtconform, often root),
 * and no files of rtconform's names that rtconform did not write (another tool's junit.xml or
 * allure-results/), which only `force` replaces.
 */
export async function checkOutDir(outDir: string, options: { force?: boolean } = {}): Promise<CheckedOutDir> {
  const path = resolve(outDir);
  const real = await resolvedPath(path);
  if (isSystemPath(path) || isSystemPath(real)) {
    throw new HarnessError(`${FLAG} ${outDir}: ${real === path ? path : `${path} (${real})`} is a system directory; choose a directory of your own (e.g. reports/latest)`);
  }
  await checkWritable(outDir, real);
  await checkOnlyWeWrite(outDir, real);
  if (await exists(real)) {
    const ours = await markedEntries(real);
    const foreign = (await readdir(real)).filter((entry) => OUR_ENTRIES.includes(entry) && !ours.includes(entry));
    if (foreign.length > 0 && !options.force) {
      throw new HarnessError(`${FLAG} ${outDir}: ${path} already holds ${foreign.join(', ')}, which rtconform did not write; pass --force to replace them, or choose another directory`);
    }
  }
  return {
    path,
    take: async ({ clearPrevious = false } = {}) => {
      try {
        await mkdir(real, { recursive: true });
      } catch (error) {
        throw new HarnessError(`${FLAG} ${outDir}: cannot write reports to ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); choose a directory you can write`);
      }
      // Made with -p: a dir someone else made meanwhile is caught here, before anything is written.
      await checkOnlyWeWrite(outDir, real);
      if (clearPrevious) {
        const ours = options.force ? OUR_ENTRIES : await markedEntries(real);
        for (const entry of await readdir(real)) if (OUR_ENTRIES.includes(entry) && ours.includes(entry)) await rm(join(real, entry), { recursive: true, force: true });
      }
      await writeAtomically(join(real, MARKER), JSON.stringify({ writtenBy: 'rtconform', entries: OUR_ENTRIES }) + '\n');
      return path;
    },
  };
}

/** Checks and takes `outDir` at once, for commands with nothing else to check first (`rtconform report`). */
export async function claimOutDir(outDir: string, options: { force?: boolean } = {}): Promise<string> {
  return (await checkOutDir(outDir, options)).take();
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

/** `path` with every symlink in the part that exists resolved; the part still to be made kept as given. */
async function resolvedPath(path: string): Promise<string> {
  const rest: string[] = [];
  let existing = path;
  for (;;) {
    try {
      return join(await realpath(existing), ...rest);
    } catch {
      if (existing === '/') return path;
      rest.unshift(basename(existing));
      existing = dirname(existing);
    }
  }
}

/** The dir, or the nearest dir above it that exists (where it will be made), must be a dir we can write. */
async function checkWritable(outDir: string, real: string): Promise<void> {
  let existing = real;
  while (!(await exists(existing))) existing = dirname(existing);
  const problem = await stat(existing).then(
    (info) => (info.isDirectory() ? access(existing, constants.W_OK).then(() => undefined, (e: NodeJS.ErrnoException) => e.code) : 'ENOTDIR'),
    (e: NodeJS.ErrnoException) => e.code,
  );
  if (problem !== undefined) {
    throw new HarnessError(`${FLAG} ${outDir}: cannot write reports to ${real} (${problem}${existing === real ? '' : ` at ${existing}`}); choose a directory you can write`);
  }
}

/** The users whose dirs a run may write reports into: the running user, root, and under sudo the user who ran it. */
function trustedOwners(): number[] {
  const sudo = Number(process.env.SUDO_UID);
  return [process.getuid?.() ?? 0, 0, ...(Number.isInteger(sudo) ? [sudo] : [])];
}

/**
 * Nobody but the trusted owners may write the out dir, or rename it or a dir above it: else they
 * could swap a report, or the allure-results/ dir rtconform fills and replaces, for a link to a
 * file of theirs choosing while the run writes. A dir above that others can write is safe only
 * when it is sticky (as /tmp is) and what is below it is a trusted owner's.
 */
async function checkOnlyWeWrite(outDir: string, real: string): Promise<void> {
  const owners = trustedOwners();
  const refuse = (dir: string, info: Stats, why: string): never => {
    throw new HarnessError(`${FLAG} ${outDir}: ${dir} ${why} (owner uid ${info.uid}, mode ${(info.mode & 0o7777).toString(8)}), so another user could swap the reports rtconform writes there; choose a directory only you can write (e.g. reports/latest), or chmod go-w it`);
  };
  let dir = real;
  let below: Stats | undefined;
  for (;;) {
    const info = await lstat(dir).catch(() => undefined);
    if (info !== undefined) {
      const othersWrite = (info.mode & 0o022) !== 0;
      if (!owners.includes(info.uid)) refuse(dir, info, 'belongs to another user');
      if (dir === real && othersWrite) refuse(dir, info, 'can be written by other users');
      if (dir !== real && othersWrite && ((info.mode & 0o1000) === 0 || (below !== undefined && !owners.includes(below.uid)))) {
        refuse(dir, info, 'can be written by other users, who could rename what is in it');
      }
      below = info;
    }
    if (dir === '/') return;
    dir = dirname(dir);
  }
}

/** The entries the dir's marker says rtconform wrote; a dir of a run from before the marker, by its compliance.json. */
async function markedEntries(dir: string): Promise<readonly string[]> {
  const marker = MarkerSchema.safeParse(await readJson(join(dir, MARKER)));
  if (marker.success) return marker.data.entries;
  const report = EarlierReportSchema.safeParse(await readJson(join(dir, REPORT_FILES.json)));
  return report.success ? OUR_ENTRIES : [];
}

const EarlierReportSchema = z.object({ tool: z.object({ name: z.literal('rtconform') }) });

/** A marker or an earlier report, read bounded (the dir is the user's: a FIFO there must not hang the run); undefined when it does not read as JSON. */
async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readReportText(path)) as unknown;
  } catch {
    return undefined;
  }
}

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { REPORT_FILES, writeAtomically } from '../report/write-reports.js';
import { HarnessError } from './harness-error.js';

/** What rtconform writes into an out dir, and replaces on the next run. */
const OUR_ENTRIES: readonly string[] = [...Object.values(REPORT_FILES), 'allure-results', 'allure-report'];

/** The out dir's record that rtconform wrote those entries: only then does a run replace them. */
const MARKER = '.rtconform-out';
const MarkerSchema = z.object({ writtenBy: z.literal('rtconform'), entries: z.array(z.string()) });

/** Trees no report belongs in: the root, the kernel's pseudo file systems, the system's own dirs. */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];
const SYSTEM_DIRS = ['/', '/bin', '/boot', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/sbin', '/usr', '/var', '/run', '/tmp'];

/**
 * Makes `outDir` ready for a run's reports before anything runs, or says why it cannot be: a
 * system path, a dir that cannot be created or written, or files of rtconform's names that
 * rtconform did not write (another tool's junit.xml or allure-results/), which only `force`
 * replaces. Nothing in the dir is touched until it passes; then it is marked as rtconform's.
 */
export async function claimOutDir(outDir: string, options: { force?: boolean } = {}): Promise<string> {
  const flag = '--out';
  const path = resolve(outDir);
  if (SYSTEM_DIRS.includes(path) || SYSTEM_TREES.some((t) => path === t || path.startsWith(`${t}/`))) {
    throw new HarnessError(`${flag} ${outDir}: ${path} is a system directory; choose a directory of your own (e.g. reports/latest)`);
  }
  try {
    await mkdir(path, { recursive: true });
    const probe = join(path, `.rtconform-write-test-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw new HarnessError(`${flag} ${outDir}: cannot write reports to ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); choose a directory you can write`);
  }
  const ours = await markedEntries(path);
  const foreign = (await readdir(path)).filter((entry) => OUR_ENTRIES.includes(entry) && !ours.includes(entry));
  if (foreign.length > 0 && !options.force) {
    throw new HarnessError(`${flag} ${outDir}: ${path} already holds ${foreign.join(', ')}, which rtconform did not write; pass --force to replace them, or choose another directory`);
  }
  await writeAtomically(join(path, MARKER), JSON.stringify({ writtenBy: 'rtconform', entries: OUR_ENTRIES }) + '\n');
  return path;
}

/** The entries the dir's marker says rtconform wrote; a dir of a run from before the marker, by its compliance.json. */
async function markedEntries(dir: string): Promise<readonly string[]> {
  const marker = MarkerSchema.safeParse(await readJson(join(dir, MARKER)));
  if (marker.success) return marker.data.entries;
  const report = EarlierReportSchema.safeParse(await readJson(join(dir, REPORT_FILES.json)));
  return report.success ? OUR_ENTRIES : [];
}

const EarlierReportSchema = z.object({ tool: z.object({ name: z.literal('rtconform') }) });

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

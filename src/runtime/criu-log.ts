import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The log CRIU writes into a checkpoint's work dir (the image dir without one): runc and crun
 * name it after the action. Their own error only points at it ("Please check CRIU logfile …"),
 * and the work dir is often gone by the time someone reads the report.
 */
export const CRIU_LOGS = { checkpoint: 'dump.log', restore: 'restore.log' } as const;

/**
 * CRIU's error lines in `log` under `dir`, at most `max`, in one line: what a failed checkpoint's
 * evidence quotes. Left out: the RLIMIT_NOFILE line CRIU writes in every container target, which
 * is no error of the dump. Undefined where there is no log or no error in it.
 */
export async function criuErrors(dir: string, log: string, max = 4): Promise<string | undefined> {
  const text = await readFile(join(dir, log), 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) => /\b(Error|BUG)\b/.test(l) && !/RLIMIT_NOFILE/.test(l)).slice(0, max);
  return lines.length === 0 ? undefined : `CRIU's ${log}: ${lines.map((l) => l.trim()).join('; ')}`;
}

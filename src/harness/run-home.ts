import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir, notOwnFileReason, notPrivateReason, privateDirPath } from '../util/private-dir.js';
import { procStat } from '../util/procfs.js';
import { visibleText } from '../util/text.js';
import { RUN_ID, usesContainerTargets, type RunPlan } from './plan.js';

/**
 * A run's home: the one dir of its own that holds everything it writes besides its reports
 * (its plan, its record, the run dir the tests work in, vitest's temp dir, the sweep's
 * scratch). It is made fresh and exclusively (mkdtemp, mode 0700) in the running user's
 * private dir of runs (util/private-dir.ts: /run/rtconform for root), so no other user can
 * have made it first, put anything in it, or swap what the run wrote there. The run id names
 * it, but does not make it predictable: a random suffix follows.
 */

/** The owner's record in its home: which process owns the run, so that the next run can tell it died. */
const RECORD = 'run.json';
/** A record is a few hundred bytes; a bigger one is no record of ours. */
const RECORD_MAX_BYTES = 64 * 1024;

const ProcessIdentitySchema = z.object({
  pid: z.number().int().positive(),
  /** /proc stat field 22: with the pid, it names one process (a reused pid is another one). */
  startTime: z.number().int().nonnegative(),
});
type ProcessIdentity = z.infer<typeof ProcessIdentitySchema>;

/**
 * What a run records about itself. Data only: which runtimes it drove are names, and a sweep
 * resolves them itself; no binary, argument or path is ever taken from a record.
 */
const RunRecordSchema = z.object({
  runId: z.string().regex(RUN_ID),
  owner: ProcessIdentitySchema,
  /** The keys of the host runtimes it drove (`fake`, `runc`, a path typed): names to match, never to run. */
  runtimes: z.array(z.string().max(4096)).max(64),
  /** Whether it started target containers (the engine's labels find those). */
  containers: z.boolean(),
  /** `rtconform run`'s test process (leader of its own process group), once started. */
  testProcess: ProcessIdentitySchema.optional(),
}).strict();
export type RunRecord = z.infer<typeof RunRecordSchema>;

/**
 * The running user's dir of run homes: `stateDir` (rtconform run --state-dir), else its default
 * place (/run/rtconform as root; util/private-dir.ts). 0711: runsc's sandbox, as nobody, passes
 * through it and a home to the home's temp dir; nobody can list or write it.
 */
export function runsDir(stateDir?: string): string {
  return stateDir === undefined
    ? ensurePrivateDir(privateDirPath('rtconform'), 0o711)
    : ensurePrivateDir(resolve(stateDir), 0o711, 'choose a dir of your own for --state-dir');
}

export function identityOf(pid: number): ProcessIdentity {
  return { pid, startTime: procStat(pid)?.startTime ?? 0 };
}

/** Where, in a home, the run's tests work (the run dir), and vitest and runtime calls keep temp files. */
export function runDirIn(home: string): string {
  return join(home, 'run');
}
export function tempDirIn(home: string): string {
  return join(home, 'tmp');
}

/**
 * Makes the run dir (0700: the tests' bundles, rootfs and logs are nobody else's to see or
 * reach) or the temp dir (0755, like a temp dir only its owner writes: runtimes make their own
 * private dirs in it) in a home; a dir that exists already is an error, as a home is made fresh.
 */
export async function makeDirIn(home: string, which: 'run' | 'tmp'): Promise<string> {
  const path = which === 'run' ? runDirIn(home) : tempDirIn(home);
  const mode = which === 'run' ? 0o700 : 0o755;
  await mkdir(path, { mode });
  // mkdir's mode passes through the umask.
  await chmod(path, mode);
  return path;
}

/**
 * Makes a run's home (in `stateDir`, or the default dir of runs) and records this process as
 * its owner; the record lists the plan's host runtimes by key and whether it uses target containers.
 */
export async function makeRunHome(plan: Pick<RunPlan, 'runId' | 'host' | 'containers'>, stateDir?: string): Promise<string> {
  const home = await homeIn(plan.runId, stateDir);
  // Others may pass through it to its temp dir, never list or write it: runsc's sandbox runs as
  // nobody and opens the chroot it makes in TMPDIR. What is private in it is private by its own mode.
  await chmod(home, 0o711);
  writeRecord(home, { runId: plan.runId, owner: identityOf(process.pid), runtimes: plan.host.map((r) => r.key), containers: usesContainerTargets(plan) });
  return home;
}

/**
 * A new home in the dir of runs. Another run may remove that dir, left empty, between making
 * it and the mkdtemp (releaseRunsDir): then it is made again.
 */
async function homeIn(runId: string, stateDir: string | undefined): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mkdtemp(join(runsDir(stateDir), `${runId}-`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw error;
    }
  }
}

/**
 * Once a run's home is gone: the default dir of runs goes too if no other run is in it (rmdir
 * removes only an empty dir), so a machine keeps nothing of rtconform between runs. A
 * --state-dir is the user's and stays. `defaultDir` is the default dir's path (for tests).
 */
export function releaseRunsDir(home: string, defaultDir = privateDirPath('rtconform')): void {
  const dir = dirname(home);
  if (dir !== defaultDir) return;
  try {
    rmdirSync(dir);
  } catch {
    // another run's home is in it, or another run removed it first
  }
}

/** Adds the test process `rtconform run` started to the home's record: a sweep can end its group. */
export function recordTestProcess(home: string, pid: number): void {
  const record = readRecord(home);
  if (typeof record === 'string') throw new Error(`the run's own record cannot be read back: ${record}`);
  writeRecord(home, { ...record, testProcess: identityOf(pid) });
}

/** Written whole or not at all, never through a link: a new file (O_EXCL), then renamed over the old. */
function writeRecord(home: string, record: RunRecord): void {
  const temp = join(home, `.${RECORD}.${randomBytes(4).toString('hex')}`);
  writeFileSync(temp, JSON.stringify(record), { flag: 'wx', mode: 0o600 });
  renameSync(temp, join(home, RECORD));
}

/**
 * A home's record, or why it cannot be trusted: it must be a regular file of the running user's
 * that nobody else can write, small, and what a run writes. Read without following a link.
 */
export function readRecord(home: string): RunRecord | string {
  const path = join(home, RECORD);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return `${path} cannot be opened (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  try {
    const info = fstatSync(fd);
    const reason = notOwnFileReason(path, info);
    if (reason !== undefined) return reason;
    if (info.size > RECORD_MAX_BYTES) return `${path} holds ${info.size} bytes, more than any record of a run`;
    const buffer = Buffer.alloc(RECORD_MAX_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    let json: unknown;
    try {
      json = JSON.parse(buffer.subarray(0, length).toString('utf8'));
    } catch {
      return `${path} is not JSON`;
    }
    const parsed = RunRecordSchema.safeParse(json);
    if (!parsed.success) return `${path} is not the record of a run (${z.prettifyError(parsed.error).split('\n')[0] ?? ''})`;
    return parsed.data;
  } finally {
    closeSync(fd);
  }
}

/** A home found in the runs dir: its record, or why it is left alone (`noRecord`: it has none yet). */
export type FoundHome = { home: string; record: RunRecord } | { home: string; problem: string; noRecord: boolean };

/**
 * The homes in a runs dir (runsDir). Each must be a dir of the user's alone, whose name starts
 * with the run id its record carries; anything else is reported as a problem, to be left alone.
 */
export function findHomes(dir: string): FoundHome[] {
  const found: FoundHome[] = [];
  for (const name of readdirSync(dir)) {
    const home = join(dir, name);
    let problem: string | undefined;
    try {
      problem = notPrivateReason(home, lstatSync(home));
    } catch {
      continue; // gone meanwhile
    }
    if (problem !== undefined) {
      found.push({ home, problem: visibleText(problem), noRecord: false });
      continue;
    }
    const record = readRecord(home);
    if (typeof record === 'string') found.push({ home, problem: visibleText(record), noRecord: lstatSync(join(home, RECORD), { throwIfNoEntry: false }) === undefined });
    else if (!name.startsWith(`${record.runId}-`)) found.push({ home, problem: `${home} holds the record of run ${record.runId}, which is not its name`, noRecord: false });
    else found.push({ home, record });
  }
  return found;
}

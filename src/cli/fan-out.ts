import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { pingEngine } from '../container/engine.js';
import { newRunId } from '../harness/plan.js';
import { packageRoot } from '../package-root.js';
import type { ComplianceReport } from '../report/compliance.js';
import { mergeReports } from '../report/merge.js';
import { writeReports } from '../report/write-reports.js';
import { visibleText } from '../util/text.js';
import { HarnessError } from './harness-error.js';
import { Interruptions } from './interruptions.js';
import { checkOutDir } from './out-dir.js';
import { readComplianceReport, readOwnReport } from './read-report.js';
import type { RunCommandOptions } from './run.js';
import { runExitCode } from './run-exit.js';

/** One share of a fanned-out run: a runtime, or one shard of it. */
export interface Share {
  runtime: string;
  shard?: { index: number; count: number };
}

/** How a share ended: its report, and where it ran (every engine it was tried on). */
interface ShareOutcome {
  share: Share;
  tries: { engine: string; seconds: number; problem?: string }[];
  report?: ComplianceReport;
  /** Set while the share has no complete report: what stopped it. */
  problem?: string;
}

/** A share is tried on at most this many engines (the first and one retry). */
const MAX_TRIES = 2;

export const shareName = (s: Share): string => (s.shard ? `${s.runtime} (shard ${s.shard.index}/${s.shard.count})` : s.runtime);

/**
 * The shares of a run over `engines`: one per runtime, each cut into shards when there are more
 * engines than runtimes, so every engine gets work.
 */
export function sharesFor(runtimes: readonly string[], engines: number): Share[] {
  const shards = Math.max(1, Math.ceil(engines / runtimes.length));
  return runtimes.flatMap((runtime) => (shards === 1 ? [{ runtime }] : Array.from({ length: shards }, (_, i) => ({ runtime, shard: { index: i + 1, count: shards } }))));
}


/**
 * The `rtconform run` arguments of one share: the run's own settings, for one runtime (and
 * shard), quiet, into `outDir`, under the run id `runId` (its containers and dirs carry it).
 */
function shareArgs(options: RunCommandOptions, share: Share, outDir: string, fileSharing: string | undefined, runId: string): string[] {
  const container = options.container!;
  return [
    'run', '--in-container', '--runtime', share.runtime, ...container.images.flatMap((image) => ['--image', image]), '--cgroup-view', container.cgroupView, '--run-id', runId,
    ...(fileSharing ? ['--file-sharing', fileSharing] : []),
    ...(options.stateDir === undefined ? [] : ['--state-dir', options.stateDir]),
    ...options.suites.flatMap((s) => ['--suite', s]),
    ...(options.specVersion ? ['--spec-version', options.specVersion] : []),
    ...(options.callTimeoutMs === undefined ? [] : ['--call-timeout', String(options.callTimeoutMs)]),
    ...(options.retries ? ['--retries', String(options.retries)] : []),
    ...(share.shard ? ['--shard', `${share.shard.index}/${share.shard.count}`] : []),
    '--out', outDir, '--quiet', '--force',
  ];
}

/**
 * `rtconform run --in-container --engine A --engine B …`: the run's shares spread over several
 * engines at once, each share an `rtconform run` of its own with DOCKER_HOST set to its engine,
 * their reports merged into one. An engine that does not answer, or stops answering during a
 * share, takes no more work; its share is tried again on another engine, and what could run
 * nowhere is named in the report as not run, with what it had finished.
 */
export async function fanOutCommand(options: RunCommandOptions, engines: readonly string[], fileSharing: string | undefined): Promise<number> {
  // Its options were checked with every other run's (run-options.ts): --in-container, no --shard, a short --run-id.
  const runId = options.runId ?? newRunId();
  const baseline = options.baseline === undefined ? undefined : await readComplianceReport(options.baseline);
  // The previous run's reports go before any share runs: an interrupted run leaves none that look new.
  const outDir = await (await checkOutDir(options.outDir, { force: options.force })).take({ clearPrevious: true });
  const partsDir = join(outDir, 'engines');
  await rm(partsDir, { recursive: true, force: true });
  await mkdir(partsDir, { recursive: true });
  // A share's problem quotes an engine's or a runtime's words: no control character of theirs reaches the terminal.
  const say = (line: string): void => void (options.output !== 'quiet' && process.stderr.write(`rtconform: ${visibleText(line)}\n`));

  const queue: ShareOutcome[] = sharesFor(options.runtimes, engines.length).map((share) => ({ share, tries: [] }));
  const outcomes = [...queue];
  let part = 0;
  const started = Date.now();
  say(`${outcomes.length} share${outcomes.length === 1 ? '' : 's'} (${outcomes.map((o) => shareName(o.share)).join(', ')}) over ${engines.length} engine${engines.length === 1 ? '' : 's'}: ${engines.join(', ')} (run ${runId}; each share's run is ${runId}s<N>)`);

  let running = 0;
  // Interrupted (Ctrl-C, a CI job cancelled): each share's run cleans up after itself; nothing
  // new starts, and nothing is run again on another engine.
  const children = new Set<ReturnType<typeof execa>>();
  const interruptions = new Interruptions('stopping every share and removing what they created');
  interruptions.forwardTo((signal) => {
    for (const child of children) child.kill(signal);
  });
  /** The next share to run; while none waits but some still run elsewhere, wait: a failed one comes back. */
  const nextShare = async (): Promise<ShareOutcome | undefined> => {
    for (;;) {
      if (interruptions.interrupted) return undefined;
      const next = queue.shift();
      if (next !== undefined || running === 0) return next;
      await sleep(250);
    }
  };
  const work = async (engine: string): Promise<void> => {
    const ping = await pingEngine(engine);
    if (!ping.reachable) {
      say(`engine ${engine} takes no work: ${ping.reason}`);
      return;
    }
    for (let next = await nextShare(); next !== undefined; next = await nextShare()) {
      running++;
      const dir = join(partsDir, String(++part));
      const began = Date.now();
      say(`engine ${engine}: ${shareName(next.share)}${next.tries.length > 0 ? `, again (it failed on ${next.tries.at(-1)!.engine})` : ''}`);
      const share = execa(process.execPath, [join(packageRoot(), 'dist/cli/main.js'), ...shareArgs(options, next.share, dir, fileSharing, `${runId}s${part}`)], {
        reject: false, all: true, env: { DOCKER_HOST: engine }, stdin: 'ignore',
      });
      children.add(share);
      const child = await share.finally(() => children.delete(share));
      const seconds = Math.round((Date.now() - began) / 100) / 10;
      const report = await readOwnReport(join(dir, 'compliance.json'));
      const alive = await pingEngine(engine);
      const whole = report !== undefined && report.runs.length > 0 && !report.interrupted && report.note === undefined;
      if (alive.reachable && whole) {
        next.tries.push({ engine, seconds });
        next.report = report;
        next.problem = undefined;
        say(`engine ${engine}: ${shareName(next.share)} done in ${seconds} s`);
        running--;
        continue;
      }
      const problem = interruptions.interrupted ? 'the run was interrupted' : alive.reachable
        ? `its run ended without a whole report (exit ${child.exitCode ?? child.signal}): ${lastLines(child.all ?? '')}`
        : `the engine stopped answering (${alive.reason})`;
      next.tries.push({ engine, seconds, problem });
      // What it finished counts while no other engine finishes the share.
      if (report && report.runs.length > 0 && !next.report) next.report = { ...report, interrupted: true };
      next.problem = problem;
      say(`engine ${engine}: ${shareName(next.share)} failed after ${seconds} s: ${problem}`);
      if (next.tries.length < MAX_TRIES && !interruptions.interrupted) queue.push(next);
      // An engine that lost a share takes no more: it may be going down.
      running--;
      return;
    }
  };
  try {
    await Promise.all(engines.map((engine) => work(engine)));
  } finally {
    interruptions.remove();
  }
  const interrupted = interruptions.interrupted;

  const notRun = outcomes.filter((o) => o.problem !== undefined || o.report === undefined);
  const reports = outcomes.flatMap((o) => (o.report ? [o.report] : []));
  const note = notRun.length === 0 ? undefined : `not run: ${notRun.map((o) => `${shareName(o.share)} (${o.tries.map((t) => `on ${t.engine}: ${t.problem ?? 'no problem'}`).join('; ') || 'no engine took it'})`).join('; ')}`;
  if (reports.length === 0) {
    if (!interrupted) throw new HarnessError(`no engine finished any share. ${note ?? ''}`);
    process.stderr.write('rtconform: the run was interrupted before any share had results; nothing of it is left\n');
    return 130;
  }
  const merged = mergeReports(reports, outcomes.filter((o) => o.report).map((o) => shareName(o.share)));
  const report: ComplianceReport = note ? { ...merged, interrupted: true, note: merged.note ? `${note}; ${merged.note}` : note } : { ...merged, interrupted: false };
  await writeReports(report, outDir);
  // allure's results are one file per test, uniquely named: the shares' go into one dir.
  await rm(join(outDir, 'allure-results'), { recursive: true, force: true });
  for (let n = 1; n <= part; n++) {
    await cp(join(partsDir, String(n), 'allure-results'), join(outDir, 'allure-results'), { recursive: true }).catch(() => undefined);
  }
  say(`${engines.length} engine${engines.length === 1 ? '' : 's'}, ${Math.round((Date.now() - started) / 1000)} s: ${outcomes.map((o) => `${shareName(o.share)} ${o.tries.map((t) => `${t.problem ? 'failed' : 'done'} on ${t.engine} in ${t.seconds} s`).join(', then ')}`).join('; ')}`);
  return runExitCode(report, {
    outDir, quiet: options.output === 'quiet', interrupted,
    ...(baseline ? { baseline: { report: baseline, path: options.baseline! } } : {}),
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ') || 'it said nothing';
}

import { readFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import type { RuntimeSelection } from './selection.js';
import { requirementIdsIn } from '../requirements/coverage.js';
import { SCHEMA_VERSION, type ComplianceReport, type RuntimeRun, type TestOutcome } from '../report/compliance.js';
import { outcomeOfFailure, reasonText } from '../report/outcome.js';
import { summarize } from '../report/score.js';
import { requirementResults } from '../report/verdict.js';
import { writeJsonReport, writeReports } from '../report/write-reports.js';

export interface ComplianceReporterOptions {
  outDir: string;
  toolVersion: string;
  onReport?: (report: ComplianceReport) => void;
}

/** How long after a test result the partial compliance.json is rewritten (results are batched). */
const SNAPSHOT_DELAY_MS = 500;

export const PARTIAL_NOTE = 'written while the run was going: a run that ends rewrites this file, so the run was stopped before it finished (killed, out of memory, or still running)';

/**
 * Turns the tests of a run into per-requirement verdicts per runtime and writes the report in
 * every format. Results reach disk as tests finish: compliance.json is rewritten (atomically)
 * shortly after each result, marked partial, so a run killed at any moment leaves a valid
 * report of everything finished so far.
 */
export class ComplianceReporter implements Reporter {
  readonly #options: ComplianceReporterOptions;
  readonly #started = new Date();
  #vitest: Vitest | undefined;
  /** Outcomes by test id, as each test finishes. */
  readonly #finished = new Map<string, { runtime: string; requirement: string; outcome: TestOutcome }>();
  #snapshotTimer: NodeJS.Timeout | undefined;
  #snapshotWriting: Promise<void> = Promise.resolve();
  #ended = false;

  constructor(options: ComplianceReporterOptions) {
    this.#options = options;
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestCaseResult(test: TestCase): void {
    this.#record(test);
    this.#snapshotTimer ??= setTimeout(() => {
      this.#snapshotTimer = undefined;
      this.#snapshotWriting = this.#snapshotWriting.then(() => this.#writeSnapshot());
    }, SNAPSHOT_DELAY_MS);
  }

  async onTestRunEnd(modules: ReadonlyArray<TestModule>, _errors: unknown, reason: TestRunEndReason): Promise<void> {
    this.#ended = true;
    clearTimeout(this.#snapshotTimer);
    await this.#snapshotWriting;
    const interrupted = reason !== 'passed' && reason !== 'failed';
    for (const module of modules) {
      // Interrupted: tests that never ran are left out, not blamed on anyone.
      for (const test of module.children.allTests()) this.#record(test, interrupted ? undefined : module);
      this.#recordLostModule(module);
    }
    const report = this.#report(interrupted);
    await writeReports(report, this.#options.outDir);
    this.#failOnUnexpectedPasses(report);
    this.#options.onReport?.(report);
  }

  /**
   * A declared failure that passed means the declaration no longer tells the truth. vitest saw
   * only passing tests, so this is where its run (rtconform's own test command) is made to fail.
   */
  #failOnUnexpectedPasses(report: ComplianceReport): void {
    const surprises = report.runs.flatMap((run) => run.results.filter((r) => r.verdict === 'unexpected-pass').map((r) => `${run.runtime.key} ${r.requirement}`));
    if (surprises.length === 0) return;
    process.stderr.write(`\nrtconform: expected to fail, but passed (remove them from the runtime's declaration): ${surprises.join(', ')}\n`);
    process.exitCode = 1;
  }

  #record(test: TestCase, module?: TestModule): void {
    const meta = test.meta();
    if (!meta.requirement || !meta.runtime) return;
    let outcome: TestOutcome | undefined;
    try {
      outcome = outcomeOf(test, module);
    } catch (error) {
      // One result we cannot read is recorded as such; it never costs the rest of the run.
      outcome = { name: test.name, status: 'error', durationMs: 0, reason: reasonText(`rtconform could not record this result: ${String(error)}`) };
    }
    if (outcome) this.#finished.set(test.id, { runtime: meta.runtime, requirement: meta.requirement, outcome });
  }

  /**
   * A test file that could not even be collected (an import or setup error) has no tests to
   * report: each requirement it tests is recorded as an error for every runtime, so the
   * report still lists it, with the file's own error as the reason.
   */
  #recordLostModule(module: TestModule): void {
    if (module.children.size > 0 || module.state() !== 'failed') return;
    let ids: string[];
    try {
      ids = [...new Set(requirementIdsIn(readFileSync(module.moduleId, 'utf8')))];
    } catch {
      return;
    }
    const why = module.errors().map((e) => e.message).join('\n') || 'the test file failed before its tests ran';
    for (const selection of this.#selections()) {
      for (const requirement of ids) {
        this.#finished.set(`${module.id}:${selection.key}:${requirement}`, {
          runtime: selection.key, requirement,
          outcome: { name: `${module.relativeModuleId} (not collected)`, status: 'error', durationMs: 0, reason: reasonText(`rtconform could not run this test file: ${why}`) },
        });
      }
    }
  }

  #selections(): RuntimeSelection[] {
    // The global setup chose the runtimes and started their targets: it knows what ran where.
    try {
      return this.#vitest?.getRootProject().getProvidedContext().rtconform?.selections ?? [];
    } catch {
      return [];
    }
  }

  #report(interrupted: boolean, note?: string): ComplianceReport {
    const byRuntime = new Map<string, Map<string, TestOutcome[]>>();
    for (const { runtime, requirement, outcome } of this.#finished.values()) {
      const byRequirement = byRuntime.get(runtime) ?? new Map<string, TestOutcome[]>();
      byRequirement.set(requirement, [...(byRequirement.get(requirement) ?? []), outcome]);
      byRuntime.set(runtime, byRequirement);
    }
    const finished = new Date();
    return {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'rtconform', version: this.#options.toolVersion },
      startedAt: this.#started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - this.#started.getTime(),
      interrupted,
      ...(note === undefined ? {} : { note }),
      runs: this.#selections().map((s) => runOf(s, byRuntime.get(s.key) ?? new Map())),
    };
  }

  async #writeSnapshot(): Promise<void> {
    if (this.#ended) return;
    try {
      await writeJsonReport(this.#report(true, PARTIAL_NOTE), this.#options.outDir);
    } catch (error) {
      process.stderr.write(`rtconform: could not write the partial report: ${String(error)}\n`);
    }
  }
}

function runOf(selection: RuntimeSelection, byRequirement: Map<string, TestOutcome[]>): RuntimeRun {
  const judging = selection.judging;
  const results = requirementResults(byRequirement, {
    ...(judging ? { release: judging.specVersion } : {}),
    expectedFailures: new Map((judging?.expectedFailures ?? []).map((e) => [e.requirement, {
      reason: e.reason, ...(e.link ? { link: e.link } : {}), ...(e.intermittent ? { intermittent: true } : {}),
    }])),
  });
  const version = selection.version;
  return {
    runtime: { key: selection.key, name: selection.name, path: selection.binary ?? null, version: version?.version ?? null, spec: version?.spec ?? null },
    target: targetOf(selection),
    ...(judging ? { judgedAgainst: { specVersion: judging.specVersion, source: judging.source } } : {}),
    declaration: selection.claims.source,
    summary: summarize(results),
    results,
  };
}

function targetOf({ target }: RuntimeSelection): RuntimeRun['target'] {
  if (target.kind === 'host') return { kind: 'host', description: target.description };
  return {
    kind: 'container', description: target.description, image: target.image, cgroupView: target.cgroupView,
    ...(target.release ? { release: target.release } : {}),
    ...(target.privilege ? { privilege: target.privilege } : {}),
    ...(target.fileSharing ? { fileSharing: target.fileSharing } : {}),
  };
}

function outcomeOf(test: TestCase, module: TestModule | undefined): TestOutcome | undefined {
  const result = test.result();
  const file = test.module.relativeModuleId;
  const durationMs = Math.round(test.diagnostic()?.duration ?? 0);
  const tried = test.meta().attempts ?? [];
  const attempts = tried.length > 1 ? { attempts: tried } : {};
  switch (result.state) {
    case 'passed': {
      // The runtime failed it, in a way that does not count (declared, or outside the spec version judged).
      const { uncountedFailure: failed, unsupported } = test.meta();
      if (failed) return { name: test.name, file, status: 'fail', durationMs, ...failed, ...attempts };
      return { name: test.name, file, status: 'pass', durationMs, ...(unsupported === undefined ? {} : { unsupported: reasonText(unsupported) }), ...attempts };
    }
    case 'failed':
      return { name: test.name, file, durationMs, ...outcomeOfFailure(result.errors), ...attempts };
    case 'skipped':
      return { name: test.name, file, status: 'skip', durationMs, reason: reasonText(result.note ?? 'skipped without a reason') };
    case 'pending': {
      // At the end of the run a test still pending never finished: its worker died under it.
      if (!module) return undefined;
      const why = module.errors().map((e) => e.message).join('\n') || 'its test process ended before it finished';
      return { name: test.name, file, status: 'error', durationMs, reason: reasonText(`the test did not finish: ${why}`) };
    }
  }
}

/** vitest loads a reporter named by path from its default export (vitest.config.ts). */
export default ComplianceReporter;

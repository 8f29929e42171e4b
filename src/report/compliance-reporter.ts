import type { Reporter, TestCase, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import type { RuntimeSelection } from '../fixtures/selection.js';
import type { ComplianceReport, RuntimeRun, TestOutcome } from './compliance.js';
import { requirementResults, summarize } from './verdict.js';
import { writeReports } from './write-reports.js';

export interface ComplianceReporterOptions {
  outDir: string;
  toolVersion: string;
  onReport?: (report: ComplianceReport) => void;
}

/** Turns the tests of a run into per-requirement verdicts per runtime and writes the report in every format. */
export class ComplianceReporter implements Reporter {
  readonly #options: ComplianceReporterOptions;
  readonly #started = new Date();
  #vitest: Vitest | undefined;

  constructor(options: ComplianceReporterOptions) {
    this.#options = options;
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  async onTestRunEnd(modules: ReadonlyArray<TestModule>, _errors: unknown, reason: TestRunEndReason): Promise<void> {
    const outcomes = new Map<string, Map<string, TestOutcome[]>>();
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const meta = test.meta();
        if (!meta.requirement || !meta.runtime) continue;
        const outcome = outcomeOf(test);
        if (!outcome) continue;
        const byRequirement = outcomes.get(meta.runtime) ?? new Map<string, TestOutcome[]>();
        byRequirement.set(meta.requirement, [...(byRequirement.get(meta.requirement) ?? []), outcome]);
        outcomes.set(meta.runtime, byRequirement);
      }
    }
    // The global setup chose the runtimes and started their targets: it knows what ran where.
    const selections = this.#vitest?.getRootProject().getProvidedContext().rtconform?.selections ?? [];
    const finished = new Date();
    const report: ComplianceReport = {
      schemaVersion: 1,
      tool: { name: 'rtconform', version: this.#options.toolVersion },
      startedAt: this.#started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - this.#started.getTime(),
      interrupted: reason !== 'passed' && reason !== 'failed',
      runs: selections.map((s) => this.#run(s, outcomes.get(s.key) ?? new Map())),
    };
    await writeReports(report, this.#options.outDir);
    this.#options.onReport?.(report);
  }

  #run(selection: RuntimeSelection, byRequirement: Map<string, TestOutcome[]>): RuntimeRun {
    const results = requirementResults(byRequirement);
    const version = selection.version;
    return {
      runtime: { key: selection.key, name: selection.name, path: selection.binary ?? null, version: version?.version ?? null, spec: version?.spec ?? null },
      target: targetOf(selection),
      summary: summarize(results),
      results,
    };
  }
}

function targetOf({ target }: RuntimeSelection): RuntimeRun['target'] {
  if (target.kind === 'host') return { kind: 'host', description: target.description };
  return {
    kind: 'container', description: target.description, image: target.image, cgroupView: target.cgroupView,
    ...(target.privilege ? { privilege: target.privilege } : {}),
  };
}

function outcomeOf(test: TestCase): TestOutcome | undefined {
  const result = test.result();
  const durationMs = Math.round(test.diagnostic()?.duration ?? 0);
  switch (result.state) {
    case 'passed':
      return { name: test.name, status: 'pass', durationMs };
    case 'failed': {
      // An assertion carries both sides of the comparison: the evidence a reader wants first.
      const compared = result.errors.find((e) => e.expected !== undefined || e.actual !== undefined);
      return {
        name: test.name, status: 'fail', durationMs, reason: result.errors.map((e) => e.message).join('\n') || 'failed',
        ...(compared?.expected === undefined ? {} : { expected: compared.expected }),
        ...(compared?.actual === undefined ? {} : { actual: compared.actual }),
      };
    }
    case 'skipped':
      return { name: test.name, status: 'skip', durationMs, reason: result.note ?? 'skipped without a reason' };
    default:
      return undefined;
  }
}

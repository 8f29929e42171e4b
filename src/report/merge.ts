import { SCHEMA_VERSION, type ComplianceReport, type RuntimeRun, type TestOutcome } from './compliance.js';
import { summarize } from './score.js';
import { judgingOf, requirementResults } from './verdict.js';

export class MergeError extends Error {
  override name = 'MergeError';
}

/** What makes two runs the same runtime on the same target: their parts may be merged. */
function identity(run: RuntimeRun): string {
  return JSON.stringify([run.runtime.path, run.runtime.version, run.target.kind, run.target.image ?? null, run.target.cgroupView ?? null, run.judgedAgainst?.specVersion ?? null]);
}

/**
 * One report from several: runs of different runtimes side by side (one report per runtime), and
 * runs of the same runtime (shards of one run) joined test by test, their verdicts worked out
 * again from all their tests. Runs of one key must be the same runtime binary, version and target.
 */
export function mergeReports(reports: readonly ComplianceReport[], names: readonly string[] = reports.map((_, i) => `report ${i + 1}`)): ComplianceReport {
  if (reports.length === 0) throw new MergeError('nothing to merge: give at least one compliance.json');
  const byKey = new Map<string, { first: RuntimeRun; from: string; tests: Map<string, TestOutcome[]>; expected: Map<string, { reason: string; link?: string; intermittent?: boolean }> }>();
  reports.forEach((report, i) => {
    for (const run of report.runs) {
      const seen = byKey.get(run.runtime.key);
      if (seen && identity(seen.first) !== identity(run)) {
        throw new MergeError(`${run.runtime.key} in ${names[i]} (${run.runtime.path} ${run.runtime.version ?? '?'}, ${run.target.description}) `
          + `is not the runtime of ${seen.from} (${seen.first.runtime.path} ${seen.first.runtime.version ?? '?'}, ${seen.first.target.description}): `
          + 'only shards of the same runtime and target can be merged');
      }
      const entry = seen ?? { first: run, from: names[i]!, tests: new Map<string, TestOutcome[]>(), expected: new Map<string, { reason: string; link?: string; intermittent?: boolean }>() };
      for (const result of run.results) {
        entry.tests.set(result.requirement, [...(entry.tests.get(result.requirement) ?? []), ...result.tests]);
        if (result.expectedFailure) entry.expected.set(result.requirement, result.expectedFailure);
      }
      byKey.set(run.runtime.key, entry);
    }
  });
  const notes = reports.flatMap((r, i) => (r.note ? [`${names[i]}: ${r.note}`] : []));
  const started = reports.map((r) => r.startedAt).sort()[0]!;
  const finished = reports.map((r) => r.finishedAt).sort().at(-1)!;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: reports[0]!.tool,
    startedAt: started,
    finishedAt: finished,
    durationMs: Math.max(0, Date.parse(finished) - Date.parse(started)) || Math.max(...reports.map((r) => r.durationMs)),
    interrupted: reports.some((r) => r.interrupted),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    runs: [...byKey.values()].map(({ first, tests, expected }) => {
      const results = requirementResults(tests, { ...judgingOf(first), expectedFailures: expected });
      return { ...first, summary: summarize(results), results };
    }),
  };
}

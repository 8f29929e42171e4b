import { coerce, compare } from 'semver';
import type { ComplianceReport, RuntimeRun, Verdict } from '../compliance.js';
import { verdictOf } from '../verdict.js';
import { runLabel } from './matrix.js';

/**
 * Where a requirement's verdict changes between releases of one runtime in a report (a release
 * matrix: runc 1.1.15 in trixie, runc 1.3.6 in sid): fixed in the later release, broke in it,
 * or, for two runs of the same release (one version in two images), different between them.
 */
export interface ReleaseChange {
  requirement: string;
  /** The runtime's name (runc): the runs compared are the ones of this name. */
  runtime: string;
  kind: 'fixed' | 'broke' | 'differs';
  /** The earlier and the later run, by index into `report.runs` and by column label. */
  from: { run: number; label: string; verdict: Verdict };
  to: { run: number; label: string; verdict: Verdict };
}

/** A verdict as a side of a change: it passes or it fails; anything else (a skip, an error, not run) is neither. */
function standing(verdict: Verdict | undefined): 'passes' | 'fails' | undefined {
  if (verdict === 'pass' || verdict === 'unexpected-pass') return 'passes';
  if (verdict === 'fail' || verdict === 'expected-fail') return 'fails';
  return undefined;
}

/** A run's release as semver (1.3.6+ds1 is 1.3.6; 1.28 is 1.28.0), or undefined when it has none. */
function releaseOf(run: RuntimeRun): string | undefined {
  return coerce(run.runtime.version ?? '')?.version;
}

/**
 * Every change of standing between consecutive releases of each runtime (ordered by version;
 * runs without a version left out), requirement by requirement, in catalogue order of the runs.
 */
export function releaseChanges(report: Pick<ComplianceReport, 'runs'>): ReleaseChange[] {
  const byName = new Map<string, number[]>();
  report.runs.forEach((run, index) => {
    if (releaseOf(run) === undefined) return;
    byName.set(run.runtime.name, [...(byName.get(run.runtime.name) ?? []), index]);
  });
  const changes: ReleaseChange[] = [];
  for (const [runtime, indexes] of byName) {
    if (indexes.length < 2) continue;
    const ordered = [...indexes].sort((a, b) => compare(releaseOf(report.runs[a]!)!, releaseOf(report.runs[b]!)!));
    const verdicts = ordered.map((i) => new Map(report.runs[i]!.results.map((r) => [r.requirement, verdictOf(r)])));
    const requirements = [...new Set(ordered.flatMap((i) => report.runs[i]!.results.map((r) => r.requirement)))];
    for (const requirement of requirements) {
      for (let k = 1; k < ordered.length; k++) {
        const before = verdicts[k - 1]!.get(requirement);
        const after = verdicts[k]!.get(requirement);
        const [was, is] = [standing(before), standing(after)];
        if (was === undefined || is === undefined || was === is) continue;
        const [a, b] = [report.runs[ordered[k - 1]!]!, report.runs[ordered[k]!]!];
        const kind = compare(releaseOf(a)!, releaseOf(b)!) === 0 ? 'differs' : is === 'passes' ? 'fixed' : 'broke';
        changes.push({
          requirement, runtime, kind,
          from: { run: ordered[k - 1]!, label: runLabel(a), verdict: before! },
          to: { run: ordered[k]!, label: runLabel(b), verdict: after! },
        });
      }
    }
  }
  return changes;
}

/** A change in words: "fixed in runc 1.3.6 · sid (fail in runc 1.1.15 · trixie)". */
export function describeChange(change: ReleaseChange): string {
  const verb = change.kind === 'fixed' ? 'fixed in' : change.kind === 'broke' ? 'broke in' : 'differs in';
  return `${verb} ${change.to.label} (${change.from.verdict} in ${change.from.label})`;
}

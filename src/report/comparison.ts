import { isMandatory, type Level } from '../requirements/requirement.js';
import type { ComplianceReport, RequirementResult } from './compliance.js';

type Status = RequirementResult['status'];

/** How one requirement's verdict on one runtime moved between two reports. */
export type ChangeKind =
  /** pass → fail */
  | 'regression'
  /** fail → pass */
  | 'fix'
  /** pass or fail → skip: no longer checked, with the new skip's reason */
  | 'new-skip'
  /** anything → error: rtconform's own machinery failed, no verdict either way */
  | 'new-error'
  /** skip or absent → fail: checked now, and failing */
  | 'new-failure'
  /** skip or absent → pass */
  | 'newly-passing'
  /** in the old report, not in the new one (suite not run, or runtime missing) */
  | 'dropped';

export interface Change {
  kind: ChangeKind;
  runtime: string;
  requirement: string;
  level: Level;
  statement: string;
  from: Status | 'absent';
  to: Status | 'absent';
  /** The new verdict's reason (failure or skip), or the old one for a drop. */
  reason?: string;
}

export interface Comparison {
  changes: Change[];
  /** Runtimes (keys) only one of the two reports has. */
  runtimesOnlyInOld: string[];
  runtimesOnlyInNew: string[];
  /** MUST and MUST NOT regressions: what a gate fails on. */
  mandatoryRegressions: Change[];
}

function kindOf(from: Status | 'absent', to: Status | 'absent'): ChangeKind | undefined {
  if (from === to) return undefined;
  if (to === 'absent') return 'dropped';
  if (from === 'pass' && to === 'fail') return 'regression';
  if (from === 'fail' && to === 'pass') return 'fix';
  if (to === 'skip') return 'new-skip';
  if (to === 'error') return 'new-error';
  return to === 'fail' ? 'new-failure' : 'newly-passing';
}

/**
 * What changed from `old` to `next`, runtime by runtime (matched by runtime key, so
 * `runc@container` is compared with itself), requirement by requirement.
 */
export function compareReports(old: ComplianceReport, next: ComplianceReport): Comparison {
  const oldRuns = new Map(old.runs.map((r) => [r.runtime.key, r]));
  const newRuns = new Map(next.runs.map((r) => [r.runtime.key, r]));
  const changes: Change[] = [];
  for (const [key, newRun] of newRuns) {
    const oldRun = oldRuns.get(key);
    if (!oldRun) continue;
    const before = new Map(oldRun.results.map((r) => [r.requirement, r]));
    const after = new Map(newRun.results.map((r) => [r.requirement, r]));
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      const was = before.get(id);
      const now = after.get(id);
      const kind = kindOf(was?.status ?? 'absent', now?.status ?? 'absent');
      if (!kind) continue;
      const described = (now ?? was)!;
      const reason = kind === 'dropped' ? undefined : now?.reason;
      changes.push({
        kind, runtime: key, requirement: id, level: described.level, statement: described.statement,
        from: was?.status ?? 'absent', to: now?.status ?? 'absent', ...(reason === undefined ? {} : { reason }),
      });
    }
  }
  changes.sort((a, b) => a.runtime.localeCompare(b.runtime) || a.requirement.localeCompare(b.requirement));
  return {
    changes,
    runtimesOnlyInOld: [...oldRuns.keys()].filter((k) => !newRuns.has(k)),
    runtimesOnlyInNew: [...newRuns.keys()].filter((k) => !oldRuns.has(k)),
    mandatoryRegressions: changes.filter((c) => c.kind === 'regression' && isMandatory(c.level)),
  };
}

const HEADINGS: Record<ChangeKind, string> = {
  regression: 'Regressions (pass → fail)',
  'new-failure': 'New failures (not checked before, failing now)',
  'new-skip': 'New skips (checked before, skipped now)',
  'new-error': 'New errors (rtconform could not judge: its own machinery failed)',
  dropped: 'No longer in the report',
  fix: 'Fixes (fail → pass)',
  'newly-passing': 'Newly passing (not checked before)',
};

/** The comparison as text for a terminal or a CI log, most serious first. */
export function formatComparison(comparison: Comparison): string {
  const lines: string[] = [];
  for (const kind of Object.keys(HEADINGS) as ChangeKind[]) {
    const of = comparison.changes.filter((c) => c.kind === kind);
    if (of.length === 0) continue;
    lines.push(`${HEADINGS[kind]}: ${of.length}`);
    for (const c of of) {
      lines.push(`  ${c.runtime}  ${c.level.padEnd(10)} ${c.requirement} — ${c.statement}`);
      if (c.reason) lines.push(`      ${c.reason.split('\n')[0]}`);
    }
  }
  for (const key of comparison.runtimesOnlyInOld) lines.push(`Runtime ${key} is in the old report only: not compared.`);
  for (const key of comparison.runtimesOnlyInNew) lines.push(`Runtime ${key} is in the new report only: not compared.`);
  if (comparison.changes.length === 0) lines.push('No verdict changed.');
  const n = comparison.mandatoryRegressions.length;
  lines.push(n === 0 ? 'No MUST regression.' : `${n} MUST regression${n === 1 ? '' : 's'}.`);
  return lines.join('\n') + '\n';
}

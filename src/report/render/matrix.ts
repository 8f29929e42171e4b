import type { Level, Source } from '../../requirements/requirement.js';
import type { ComplianceReport, RequirementResult, RuntimeRun, Verdict } from '../compliance.js';
import { verdictOf } from '../verdict.js';
import { compareAreas, specArea } from './spec-area.js';

/** A cell shows the verdict; a run with no result for a requirement (an older catalogue, a suite left out) shows "absent". */
export type CellStatus = Verdict | 'absent';

export interface MatrixCell {
  /** Index of the run in `report.runs`: keys are not guaranteed unique, indexes are. */
  run: number;
  status: CellStatus;
  result?: RequirementResult;
}

export interface MatrixRow {
  requirement: string;
  level: Level;
  source: Source;
  statement: string;
  link: string;
  area: string;
  /** One per run, in the order of `report.runs`. */
  cells: MatrixCell[];
}

/**
 * Requirements × runs: every requirement any run has a result for, grouped by spec area in
 * catalogue order, then by id. The requirement's own fields come from the first run that has
 * it (they come from the same catalogue in every run).
 */
export function buildMatrix(report: Pick<ComplianceReport, 'runs'>): MatrixRow[] {
  const rows = new Map<string, MatrixRow>();
  report.runs.forEach((run, index) => {
    for (const result of run.results) {
      let row = rows.get(result.requirement);
      if (!row) {
        row = {
          requirement: result.requirement, level: result.level, source: result.source, statement: result.statement,
          link: result.link, area: specArea(result), cells: report.runs.map((_, run) => ({ run, status: 'absent' })),
        };
        rows.set(result.requirement, row);
      }
      row.cells[index] = { run: index, status: verdictOf(result), result };
    }
  });
  return [...rows.values()].sort((a, b) => compareAreas(a.area, b.area) || a.requirement.localeCompare(b.requirement));
}

/** The verdicts a row has, absent cells left out: what the status filters look at. */
export function rowStatuses(row: MatrixRow): Set<Verdict> {
  const statuses = new Set<Verdict>();
  for (const cell of row.cells) if (cell.status !== 'absent') statuses.add(cell.status);
  return statuses;
}

/**
 * What a run is called in column headers: the runtime, its release and where it ran, as "runc
 * 1.3.6 · sid" (a container target names its image's release) or "runc 1.1.5 · host". Build
 * metadata of a distribution's version (1.3.6+ds1) is left out; a key that is not the runtime's
 * name (a path) is added, so two runtimes of one name stay apart.
 */
export function runLabel(run: Pick<RuntimeRun, 'runtime' | 'target'>): string {
  const { runtime, target } = run;
  const version = runtime.version?.replace(/\+.*$/, '');
  const where = target.kind === 'host' ? 'host' : target.release ?? (runtime.key.split('@')[1] ?? 'container');
  const named = runtime.key === runtime.name || runtime.key.startsWith(`${runtime.name}@`);
  return `${runtime.name}${version ? ` ${version}` : ''} · ${where}${named ? '' : ` (${runtime.key})`}`;
}

/** The runtime and where it ran, for the JUnit suite name and score lines: "runc on host (cgroup v2)". */
export function runTitle(run: Pick<RuntimeRun, 'runtime' | 'target'>): string {
  return `${run.runtime.key} on ${run.target.description}`;
}

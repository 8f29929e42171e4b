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

/** What a run is called in column headers: the runtime key, which already says @container for container targets. */
export function runLabel(run: Pick<RuntimeRun, 'runtime'>): string {
  return run.runtime.key;
}

/** The runtime and where it ran, for the JUnit suite name and score lines: "runc on host (cgroup v2)". */
export function runTitle(run: Pick<RuntimeRun, 'runtime' | 'target'>): string {
  return `${run.runtime.key} on ${run.target.description}`;
}

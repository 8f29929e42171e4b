import { REPORT_FILES } from '../report/write-reports.js';
import type { ComplianceReport, RuntimeRun } from '../report/compliance.js';
import { catalogue } from '../requirements/catalogue.js';
import { countByLevel, formatLevelCounts } from '../requirements/coverage.js';
import { isMandatory, LEVELS } from '../requirements/requirement.js';

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', error: 'ERR ' } as const;

/** The per-requirement verdict a person reads at the end of a run. */
export function printSummary(report: ComplianceReport, outDir: string, out: NodeJS.WritableStream = process.stdout): void {
  const lines: string[] = ['', 'rtconform compliance summary'];
  for (const run of report.runs) {
    const v = run.runtime.version ? ` ${run.runtime.version}` : '';
    lines.push('', `${run.runtime.name}${v} (${run.runtime.path ?? run.runtime.key}) on ${run.target.description}`);
    const idWidth = Math.max(30, ...run.results.map((r) => r.requirement.length));
    for (const r of run.results) {
      const why = r.status === 'pass' ? '' : ` — ${firstLine(r.reason ?? '')}`;
      lines.push(`  ${MARK[r.status]} ${r.level.padEnd(10)} ${r.requirement.padEnd(idWidth)} ${r.statement}${why}`);
    }
    const byLevel = LEVELS.map((level) => {
      const tested = run.results.filter((r) => r.level === level && r.status !== 'skip');
      return tested.length === 0 ? undefined : `${level} ${tested.filter((r) => r.status === 'pass').length}/${tested.length} met`;
    }).filter(Boolean);
    const errors = run.summary.error > 0 ? `, ${run.summary.error} not judged (rtconform errors)` : '';
    lines.push(`  ${run.summary.pass} passed, ${run.summary.fail} failed, ${run.summary.skip} skipped${errors} requirements; ${byLevel.join(', ')}`);
    lines.push(`  ${coverageLine(run)}`);
    const mandatory = run.results.filter((r) => r.status === 'fail' && isMandatory(r.level)).length;
    const unjudged = run.summary.error > 0 ? `; ${run.summary.error} requirement(s) not judged: rtconform's own machinery failed (ERR above)` : '';
    lines.push(`  verdict: ${mandatory === 0 ? 'no MUST requirement failed' : `${mandatory} MUST requirement(s) failed`}${unjudged}`);
  }
  if (report.interrupted) lines.push('', `the run was interrupted: results are partial${report.note ? ` (${report.note})` : ''}`);
  lines.push('', `reports in ${outDir}: ${Object.values(REPORT_FILES).join(', ')}, allure-results/`, '');
  out.write(lines.join('\n'));
}

/**
 * How much of the catalogue this run gave a verdict on (pass or fail): a skipped requirement
 * was not checked, and one no suite tests was not even tried.
 */
export function coverageLine(run: RuntimeRun): string {
  const checked = new Set(run.results.filter((r) => r.status !== 'skip').map((r) => r.requirement));
  const byLevel = countByLevel(catalogue, (r) => checked.has(r.id));
  // Counted against the catalogue, so a report from an older catalogue still adds up.
  const total = byLevel.reduce((n, c) => n + c.counted, 0);
  return `coverage: ${total} of ${catalogue.length} requirements checked (${formatLevelCounts(byLevel)})`;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

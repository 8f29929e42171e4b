import { REPORT_FILES } from '../report/write-reports.js';
import type { ComplianceReport, RuntimeRun, Verdict } from '../report/compliance.js';
import { LEVEL_GROUP_LABEL, metOfTested, scoreRun, type LevelGroup } from '../report/score.js';
import { verdictOf } from '../report/verdict.js';
import { catalogue } from '../requirements/catalogue.js';
import { countByLevel, formatLevelCounts } from '../requirements/coverage.js';
import { briefReason, runHeadline } from '../report/render/text.js';
import { visibleText } from '../util/text.js';

const MARK: Record<Verdict, string> = {
  pass: 'PASS', fail: 'FAIL', skip: 'SKIP', error: 'ERROR', unsupported: 'UNSUP', flaky: 'FLAKY', 'expected-fail': 'XFAIL', 'unexpected-pass': 'XPASS',
  'beyond-target': 'NEWER', withdrawn: 'OLDER',
};

/**
 * The per-requirement verdict a person reads at the end of a run; with `countsOnly` (--quiet),
 * each runtime's counts and verdict without a line per requirement.
 */
export function printSummary(report: ComplianceReport, outDir: string, options: { countsOnly?: boolean; out?: NodeJS.WritableStream } = {}): void {
  const out = options.out ?? process.stdout;
  const lines: string[] = ['', 'rtconform compliance summary'];
  for (const run of report.runs) {
    const v = run.runtime.version ? ` ${run.runtime.version}` : '';
    lines.push('', `${run.runtime.name}${v} (${run.runtime.path ?? run.runtime.key}) on ${run.target.description}`);
    if (run.judgedAgainst) lines.push(`  judged against runtime-spec ${run.judgedAgainst.specVersion} (${run.judgedAgainst.source})`);
    const idWidth = Math.max(30, ...run.results.map((r) => r.requirement.length));
    for (const r of options.countsOnly ? [] : run.results) {
      const verdict = verdictOf(r);
      lines.push(`  ${MARK[verdict].padEnd(5)} ${r.level.padEnd(10)} ${r.requirement.padEnd(idWidth)} ${r.statement}${why(r, verdict, run)}`);
    }
    lines.push(`  ${countsLine(run)}`);
    lines.push(`  ${coverageLine(run)}`);
    lines.push(`  verdict: ${verdictLine(run)}`);
  }
  if (report.interrupted) lines.push('', `the run was interrupted: results are partial${report.note ? ` (${report.note})` : ''}`);
  lines.push('', `reports in ${outDir}: ${Object.values(REPORT_FILES).join(', ')}, allure-results/`, '');
  // Runtime names, versions and words are the runtime's: no control character of theirs reaches the terminal.
  out.write(visibleText(lines.join('\n')));
}

function why(r: RuntimeRun['results'][number], verdict: Verdict, run: RuntimeRun): string {
  const target = run.judgedAgainst?.specVersion;
  switch (verdict) {
    case 'pass':
      return '';
    case 'beyond-target':
      return ` — since ${r.since}, newer than the judged ${target}; not counted (it came to ${r.status})`;
    case 'withdrawn':
      return ` — replaced after ${r.until}, before the judged ${target}; not counted (it came to ${r.status})`;
    case 'expected-fail':
      return ` — expected: ${briefReason(r.expectedFailure?.reason ?? '')}`;
    case 'flaky': {
      const tries = r.tests.flatMap((t) => t.attempts ?? []);
      return ` — attempts disagree (${tries.map((a) => a.status).join(', ')}): ${briefReason(tries.find((a) => a.status !== 'pass')?.reason ?? '')}`;
    }
    case 'unexpected-pass':
      return ` — passed, but its declaration says it fails: ${briefReason(r.expectedFailure?.reason ?? '')}`;
    default:
      return ` — ${briefReason(r.reason ?? '')}`;
  }
}

function countsLine(run: RuntimeRun): string {
  const s = scoreRun(run);
  const parts = [`${s.pass} passed`, `${s.fail} failed`, `${s.skip} skipped`];
  if (s.error > 0) parts.push(`${s.error} not judged (rtconform errors)`);
  if (s.expectedFail > 0) parts.push(`${s.expectedFail} failed as declared`);
  if (s.unexpectedPass > 0) parts.push(`${s.unexpectedPass} passed though declared to fail`);
  if (s.flaky > 0) parts.push(`${s.flaky} flaky`);
  if (s.unsupported > 0) parts.push(`${s.unsupported} unsupported by its own features (and refused)`);
  if (s.outsideTarget > 0) parts.push(`${s.outsideTarget} outside the judged spec version`);
  // Met of tested, per level group, as every report scores it: a declared failure was tested
  // and not met; what is outside the judged version, skipped, erred or flaky was not tested.
  const groups: LevelGroup[] = ['must', 'should', 'may'];
  const byGroup = groups.filter((g) => s[g].tested > 0).map((g) => `${LEVEL_GROUP_LABEL[g]} ${metOfTested(s[g])} met`);
  return `${parts.join(', ')} requirements; ${byGroup.join(', ')}`;
}

/** The run's headline: a failure its declaration names is said, never folded into "no requirement failed". */
function verdictLine(run: RuntimeRun): string {
  const line = runHeadline(run);
  // Point at the lines that say which.
  return scoreRun(run).error > 0 ? `${line} (ERROR above)` : line;
}

/**
 * How much of the catalogue this run gave a verdict on (pass or fail): a skipped requirement
 * was not checked, and one no suite tests was not even tried.
 */
export function coverageLine(run: RuntimeRun): string {
  const checked = new Set(run.results.filter((r) => r.status === 'pass' || r.status === 'fail').map((r) => r.requirement));
  const byLevel = countByLevel(catalogue, (r) => checked.has(r.id));
  // Counted against the catalogue, so a report from an older catalogue still adds up.
  const total = byLevel.reduce((n, c) => n + c.counted, 0);
  return `coverage: ${total} of ${catalogue.length} requirements checked (${formatLevelCounts(byLevel)})`;
}

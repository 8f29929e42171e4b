import type { ComplianceReport, RuntimeRun } from '../compliance.js';
import { buildMatrix, runLabel, type MatrixCell, type MatrixRow } from './matrix.js';
import { metOfTested, scoreRun } from '../score.js';
import { formatDuration, formatTimestamp, markdownCell, safeUrl, truncate } from './text.js';
import { firstLine } from '../../util/text.js';

/**
 * A failure's reason in a cell is cut to this many characters: a PR comment holds 65,536
 * characters in all, and the first line of an assertion or a runtime error is rarely longer.
 */
const REASON_MAX = 240;

const STATUS_TEXT: Record<MatrixCell['status'], string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  skip: '⏭️ skip',
  error: '⚠️ error',
  flaky: '🔁 flaky',
  unsupported: '🚫 unsupported (refused)',
  'expected-fail': '☑️ fails as declared',
  'unexpected-pass': '❗ passes, declared to fail',
  'beyond-target': '🆕 newer than judged',
  withdrawn: '🕰️ replaced before judged',
  absent: '— not run',
};

/**
 * The report as GitHub-flavoured markdown, for a job summary ($GITHUB_STEP_SUMMARY) or a PR
 * comment: a score line per runtime, a table of the requirements that failed somewhere with
 * each failure's reason, then every requirement in a collapsed table.
 */
export function renderMarkdown(report: ComplianceReport): string {
  const rows = buildMatrix(report);
  const failing = rows.filter((row) => row.cells.some((c) => c.status === 'fail' || c.status === 'error' || c.status === 'unexpected-pass'));
  const out: string[] = [];

  out.push('## rtconform: OCI runtime compliance', '');
  out.push([
    `rtconform ${markdownCell(report.tool.version)}`,
    formatTimestamp(report.startedAt),
    formatDuration(report.durationMs),
    report.runs.length === 1 ? '1 runtime' : `${report.runs.length} runtimes`,
  ].join(' · '), '');
  if (report.interrupted) out.push('> [!WARNING]', '> The run was interrupted: the results are partial.', '');

  if (report.runs.length === 0) {
    out.push('No runtime ran.');
    return out.join('\n') + '\n';
  }
  for (const run of report.runs) out.push(scoreLine(run));
  out.push('');

  const headers = ['Requirement', 'Level', ...report.runs.map((run) => markdownCell(runLabel(run)))];
  if (failing.length === 0) {
    out.push('No requirement failed.', '');
  } else {
    out.push(`### Failures (${failing.length})`, '');
    out.push(...table(headers, failing.map((row) => [requirementCell(row, true), row.level, ...row.cells.map((c) => failureCell(c))])), '');
  }

  out.push('<details>', `<summary>All ${rows.length} requirements</summary>`, '');
  out.push(...table(['Requirement', 'Level', 'Spec', ...headers.slice(2)],
    rows.map((row) => [requirementCell(row, false), row.level, markdownCell(row.area), ...row.cells.map((c) => STATUS_TEXT[c.status])])));
  out.push('', '</details>');
  return out.join('\n') + '\n';
}

/** "- ❌ **runc** 1.1.15 on host: MUST 3 / 5 met · SHOULD 1 / 2 met · MAY 1 / 1 met · 2 skipped · 2 MUST failures". */
function scoreLine(run: RuntimeRun): string {
  const score = scoreRun(run);
  const icon = score.mandatoryFailed > 0 || score.unexpectedPass > 0 ? '❌' : score.fail > 0 || score.error > 0 ? '⚠️' : '✅';
  const version = run.runtime.version === null ? '' : ` ${markdownCell(run.runtime.version)}`;
  const parts = [
    `MUST ${metOfTested(score.must)} met`,
    `SHOULD ${metOfTested(score.should)} met`,
    `MAY ${metOfTested(score.may)} met`,
    `${score.skip} skipped`,
  ];
  if (score.flaky > 0) parts.push(`${score.flaky} flaky`);
  if (score.expectedFail > 0) parts.push(`${score.expectedFail} failing as declared`);
  if (score.unexpectedPass > 0) parts.push(`**${score.unexpectedPass} passing though declared to fail**`);
  if (run.judgedAgainst) parts.push(`judged against spec ${markdownCell(run.judgedAgainst.specVersion)}`);
  if (score.error > 0) parts.push(`**${score.error} not judged (rtconform ${score.error === 1 ? 'error' : 'errors'})**`);
  if (score.mandatoryFailed > 0) parts.push(`**${score.mandatoryFailed} MUST ${score.mandatoryFailed === 1 ? 'failure' : 'failures'}**`);
  return `- ${icon} **${markdownCell(runLabel(run))}**${version} on ${markdownCell(run.target.description)}: ${parts.join(' · ')}`;
}

function requirementCell(row: MatrixRow, withStatement: boolean): string {
  const url = safeUrl(row.link);
  // Parentheses would end the link target early.
  const id = url === undefined ? markdownCell(row.requirement) : `[${markdownCell(row.requirement)}](${url.replace(/\(/g, '%28').replace(/\)/g, '%29')})`;
  return withStatement ? `${id}: ${markdownCell(row.statement)}` : id;
}

function failureCell(cell: MatrixCell): string {
  if (cell.status !== 'fail' && cell.status !== 'error') return STATUS_TEXT[cell.status];
  const reason = firstLine(cell.result?.reason ?? '');
  return reason === '' ? STATUS_TEXT[cell.status] : `${STATUS_TEXT[cell.status]}: ${markdownCell(truncate(reason, REASON_MAX))}`;
}

function table(headers: string[], rows: string[][]): string[] {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)];
}

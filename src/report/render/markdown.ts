import type { ComplianceReport, RuntimeRun } from '../compliance.js';
import { buildMatrix, runLabel, type MatrixCell, type MatrixRow } from './matrix.js';
import { describeChange, releaseChanges } from './release-changes.js';
import { metOfTested, scoreRun } from '../score.js';
import { formatDuration, formatTimestamp, headlineParts, markdownCell, runHeadline, safeUrl, truncate } from './text.js';
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
 * comment: a score line per runtime, headed by what it came to; a table of the requirements
 * that failed somewhere with each failure's reason, one of those failing as a runtime's
 * declaration says (with its reason), what changed between releases of a runtime (a release
 * matrix), then every requirement in a collapsed table.
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
  const declared = rows.filter((row) => row.cells.some((c) => c.status === 'expected-fail'));
  // Only of a report where nothing failed at all, declared failures included.
  if (report.runs.every((run) => headlineParts(run).length === 0)) {
    out.push('No requirement failed.', '');
  } else if (failing.length === 0) {
    out.push('Nothing failed that counts against a runtime: each runtime\'s line above says what failed without counting.', '');
  }
  if (failing.length > 0) {
    out.push(`### Failures (${failing.length})`, '');
    out.push(...table(headers, failing.map((row) => [requirementCell(row, true), row.level, ...row.cells.map((c) => failureCell(c, row))])), '');
  }
  if (declared.length > 0) {
    out.push(`### Failing as declared (${declared.length})`, '', 'Not counted against the runtime: its declaration says it fails these, and why.', '');
    out.push(...table(headers, declared.map((row) => [requirementCell(row, true), row.level, ...row.cells.map((c) => failureCell(c, row))])), '');
  }

  const changes = releaseChanges(report);
  if (changes.length > 0) {
    out.push(`### Changes between releases (${changes.length})`, '', 'Where a later release of a runtime passes what an earlier one failed, or the other way round.', '');
    out.push(...table(['Requirement', 'Runtime', 'Change'], changes.map((c) => {
      const row = rows.find((r) => r.requirement === c.requirement)!;
      const icon = c.kind === 'fixed' ? '✅' : c.kind === 'broke' ? '❌' : '↔️';
      return [requirementCell(row, true), markdownCell(c.runtime), `${icon} ${markdownCell(describeChange(c))}`];
    })), '');
  }

  out.push('<details>', `<summary>All ${rows.length} requirements</summary>`, '');
  out.push(...table(['Requirement', 'Level', 'Spec', ...headers.slice(2)],
    rows.map((row) => [requirementCell(row, false), row.level, markdownCell(row.area), ...row.cells.map((c) => STATUS_TEXT[c.status])])));
  out.push('', '</details>');
  return out.join('\n') + '\n';
}

/** "- ❌ **runc 1.1.15 · host** on host: **2 MUST requirements failed** · MUST 3 / 5 met · SHOULD 1 / 2 met · MAY 1 / 1 met · 2 skipped · judged against spec 1.0.2". */
function scoreLine(run: RuntimeRun): string {
  const score = scoreRun(run);
  const icon = score.mandatoryFailed > 0 || score.unexpectedPass > 0 ? '❌'
    : score.fail > 0 || score.error > 0 || score.flaky > 0 ? '⚠️'
      : score.expectedFail > 0 ? '☑️' : '✅';
  const parts = [
    `**${markdownCell(runHeadline(run))}**`,
    `MUST ${metOfTested(score.must)} met`,
    `SHOULD ${metOfTested(score.should)} met`,
    `MAY ${metOfTested(score.may)} met`,
    `${score.skip} skipped`,
  ];
  if (run.judgedAgainst) parts.push(`judged against spec ${markdownCell(run.judgedAgainst.specVersion)}`);
  // The label names the runtime's version already.
  return `- ${icon} **${markdownCell(runLabel(run))}** on ${markdownCell(run.target.description)}: ${parts.join(' · ')}`;
}

function requirementCell(row: MatrixRow, withStatement: boolean): string {
  const url = linkTarget(row.link);
  const id = url === undefined ? markdownCell(row.requirement) : `[${markdownCell(row.requirement)}](${url})`;
  return withStatement ? `${id}: ${markdownCell(row.statement)}` : id;
}

/** A link's target for markdown: http(s) only, and parentheses escaped (they would end it early). */
function linkTarget(link: string): string | undefined {
  return safeUrl(link)?.replace(/\(/g, '%28').replace(/\)/g, '%29');
}

/**
 * A failure's cell: its verdict, and the first line of why (the failure's reason, or for a
 * declared failure the declaration's). The row links the spec release the first runtime was
 * judged against; a failure of a runtime judged against another release links its own.
 */
function failureCell(cell: MatrixCell, row: MatrixRow): string {
  const failed = cell.status === 'fail' || cell.status === 'error' || cell.status === 'expected-fail';
  const why = cell.status === 'expected-fail' ? cell.result?.expectedFailure?.reason : failed ? cell.result?.reason : undefined;
  const reason = firstLine(why ?? '');
  const text = reason === '' ? STATUS_TEXT[cell.status] : `${STATUS_TEXT[cell.status]}: ${markdownCell(truncate(reason, REASON_MAX))}`;
  // Only on a failure: a passing cell needs no second link.
  const own = failed ? cell.result?.link : undefined;
  const url = own === undefined || own === row.link ? undefined : linkTarget(own);
  return url === undefined ? text : `${text} ([${markdownCell(specLabel(own!))}](${url}))`;
}

/** "spec v1.0.2" of a runtime-spec link, "spec" of any other. */
function specLabel(link: string): string {
  const release = /\/runtime-spec\/blob\/(v[\w.-]+)\//.exec(link)?.[1];
  return release === undefined ? 'spec' : `spec ${release}`;
}

function table(headers: string[], rows: string[][]): string[] {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)];
}

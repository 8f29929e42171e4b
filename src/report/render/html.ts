import { verdictOf } from '../verdict.js';
import type { ComplianceReport, RequirementResult, RuntimeRun, TestOutcome } from '../compliance.js';
import { LEVELS } from '../../requirements/requirement.js';
import { buildMatrix, rowStatuses, runLabel, type MatrixCell, type MatrixRow } from './matrix.js';
import { describeChange, releaseChanges } from './release-changes.js';
import { LEVEL_GROUP_LABEL, metOfTested, scoreRun, type LevelGroup } from '../score.js';
import { compareAreas } from './spec-area.js';
import { escapeHtml as h, formatDuration, formatTimestamp, headlineParts, runHeadline, safeUrl } from './text.js';

/**
 * The report as ONE offline HTML file: style and script inline, no font, image or script from
 * anywhere, so it can be attached to a CI run or mailed and opened years later. The only URLs
 * are the spec links, as plain links. A Content-Security-Policy makes the browser refuse any
 * other load, should one ever slip in.
 *
 * Every element a test or a script looks for has a `data-` attribute: `data-row` (with
 * `data-requirement`, `data-level`, `data-area`, `data-statuses`), `data-cell` (with `data-run`,
 * `data-runtime`, `data-status`), `data-evidence`, `data-filter="level|area|status"`,
 * `data-scorecard`, `data-visible-count`.
 */
export function renderHtml(report: ComplianceReport): string {
  const rows = buildMatrix(report);
  const levels = LEVELS.filter((level) => rows.some((r) => r.level === level));
  const areas = [...new Set(rows.map((r) => r.area))].sort(compareAreas);
  const title = `rtconform compliance: ${report.runs.map(runLabel).join(', ') || 'no runtime'}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${h(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${header(report)}
<section class="cards" aria-label="Scores per runtime">
${report.runs.map(scorecard).join('\n')}
</section>
${releaseChangesSection(report, rows)}
${filters(levels, areas, rows.length)}
${matrix(report, rows)}
<p class="empty" data-empty hidden>No requirement matches the filters.</p>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function header(report: ComplianceReport): string {
  const interrupted = report.interrupted
    ? '<p class="banner" role="alert" data-interrupted-banner>⚠ The run was interrupted: the results are partial.</p>'
    : '';
  return `<header data-report-header>
<h1>OCI runtime compliance</h1>
<dl class="facts">
<div><dt>Tool</dt><dd data-field="tool">${h(report.tool.name)} ${h(report.tool.version)}</dd></div>
<div><dt>Started</dt><dd data-field="started"><time datetime="${h(report.startedAt)}">${h(formatTimestamp(report.startedAt))}</time></dd></div>
<div><dt>Finished</dt><dd data-field="finished"><time datetime="${h(report.finishedAt)}">${h(formatTimestamp(report.finishedAt))}</time></dd></div>
<div><dt>Duration</dt><dd data-field="duration">${h(formatDuration(report.durationMs))}</dd></div>
<div><dt>Interrupted</dt><dd data-field="interrupted" data-value="${report.interrupted}">${report.interrupted ? 'yes' : 'no'}</dd></div>
</dl>
${interrupted}
</header>`;
}

function scorecard(run: RuntimeRun, index: number): string {
  const score = scoreRun(run);
  const verdictClass = score.mandatoryFailed > 0 || score.unexpectedPass > 0 ? 'fail' : score.fail > 0 || score.error > 0 || score.flaky > 0 || score.expectedFail > 0 ? 'warn' : 'pass';
  // What it came to, as every format says it: a failure the declaration names is still a failure.
  const symbol = { fail: '✗', warn: '!', pass: '✓' }[verdictClass];
  const verdict = headlineParts(run).length === 0 && score.must.tested === 0 ? '– no requirement failed; no MUST requirement tested' : `${symbol} ${runHeadline(run)}`;
  const group = (g: LevelGroup): string => {
    const t = score[g];
    return `<div data-score="${g}" title="${LEVEL_GROUP_LABEL[g]} and ${LEVEL_GROUP_LABEL[g]} NOT requirements: met / tested; a skipped one was not tested">` +
      `<dt>${LEVEL_GROUP_LABEL[g]}</dt><dd><b data-met-tested>${metOfTested(t)}</b> met` +
      `${t.skipped > 0 ? `<small data-skipped>${t.skipped} skipped</small>` : ''}</dd></div>`;
  };
  const target = run.target;
  const targetDetails = [
    target.image === undefined ? '' : `image ${target.image}`,
    target.cgroupView === undefined ? '' : `${target.cgroupView} cgroup view`,
    target.privilege === undefined ? '' : target.privilege,
  ].filter((s) => s !== '').join(', ');
  const meta = [
    run.runtime.version === null ? '' : `version ${run.runtime.version}`,
    run.runtime.spec === null ? '' : `spec ${run.runtime.spec}`,
    run.judgedAgainst === undefined ? '' : `judged against spec ${run.judgedAgainst.specVersion} (${run.judgedAgainst.source})`,
    run.runtime.path === null ? '' : run.runtime.path,
  ].filter((s) => s !== '');
  return `<article class="card v-${verdictClass}" data-scorecard data-run="${index}" data-runtime="${h(run.runtime.key)}">
<h2>${h(runLabel(run))}</h2>
<p class="target" data-field="target" data-target-kind="${h(target.kind)}">${h(target.description)}${targetDetails === '' ? '' : ` <small>(${h(targetDetails)})</small>`}</p>
<p class="verdict s-${verdictClass}" data-field="verdict">${h(verdict)}</p>
<dl class="scores">${group('must')}${group('should')}${group('may')}</dl>
<ul class="counts">
<li class="s-pass" data-count="pass">✓ ${score.pass} pass</li>
<li class="s-fail" data-count="fail">✗ ${score.fail} fail</li>
<li class="s-skip" data-count="skip">– ${score.skip} skip</li>
${score.error > 0 ? `<li class="s-error" data-count="error" title="rtconform's own machinery failed: no verdict either way">! ${score.error} error</li>` : ''}
${score.expectedFail > 0 ? `<li class="s-expected-fail" data-count="expected-fail" title="failing as the runtime's declaration says">✗ ${score.expectedFail} declared</li>` : ''}
${score.unexpectedPass > 0 ? `<li class="s-unexpected-pass" data-count="unexpected-pass" title="passing though the declaration says it fails">! ${score.unexpectedPass} unexpected pass</li>` : ''}
</ul>
${meta.length === 0 ? '' : `<p class="meta">${meta.map(h).join(' · ')}</p>`}
</article>`;
}

/** A release matrix's changes: where a later release of a runtime passes what an earlier one failed, or the other way round. */
function releaseChangesSection(report: ComplianceReport, rows: MatrixRow[]): string {
  const changes = releaseChanges(report);
  if (changes.length === 0) return '';
  const items = changes.map((c) => {
    const row = rows.find((r) => r.requirement === c.requirement);
    const url = row === undefined ? undefined : safeUrl(row.link);
    const id = url === undefined ? h(c.requirement) : `<a href="${h(url)}">${h(c.requirement)}</a>`;
    return `<li data-release-change="${c.kind}" data-requirement="${h(c.requirement)}"><span class="s-${c.kind === 'fixed' ? 'pass' : c.kind === 'broke' ? 'fail' : 'skip'}">${c.kind}</span> ${id}: ${h(describeChange(c))}</li>`;
  });
  return `<section class="changes" data-release-changes aria-label="Changes between releases">
<h2>Changes between releases (${changes.length})</h2>
<ul>
${items.join('\n')}
</ul>
</section>`;
}

function filters(levels: readonly string[], areas: readonly string[], total: number): string {
  const boxes = (name: string, values: readonly string[]): string => values
    .map((v) => `<label><input type="checkbox" name="${name}" value="${h(v)}" checked> ${h(v)}</label>`).join('\n');
  const statuses: [string, string][] = [['all', 'all'], ['fail', 'only failures'], ['skip', 'with skips'], ['error', 'with errors'], ['flaky', 'flaky'], ['expected-fail', 'failing as declared'], ['unexpected-pass', 'passing though declared to fail'], ['pass', 'passing everywhere']];
  return `<form class="filters" data-filters aria-label="Filters">
<fieldset data-filter="level"><legend>Level</legend>
${boxes('level', levels)}
</fieldset>
<fieldset data-filter="area"><legend>Spec</legend>
${boxes('area', areas)}
</fieldset>
<fieldset data-filter="status"><legend>Show</legend>
${statuses.map(([value, label]) => `<label><input type="radio" name="status" value="${value}"${value === 'all' ? ' checked' : ''}> ${label}</label>`).join('\n')}
</fieldset>
<output data-visible-count>${total} of ${total} requirements shown</output>
</form>`;
}

function matrix(report: ComplianceReport, rows: MatrixRow[]): string {
  const columns = report.runs.map((run, i) =>
    `<th scope="col" data-run="${i}" data-runtime="${h(run.runtime.key)}">${h(runLabel(run))}<br><small>${h(run.target.description)}</small></th>`).join('');
  return `<table class="matrix" data-matrix>
<thead><tr><th scope="col">Requirement</th><th scope="col">Level</th><th scope="col">Spec</th>${columns}</tr></thead>
<tbody>
${rows.map((row) => matrixRow(report, row)).join('\n')}
</tbody>
</table>`;
}

function matrixRow(report: ComplianceReport, row: MatrixRow): string {
  const url = safeUrl(row.link);
  const id = url === undefined ? h(row.requirement) : `<a href="${h(url)}">${h(row.requirement)}</a>`;
  const statuses = [...rowStatuses(row)].join(' ');
  return `<tr data-row data-requirement="${h(row.requirement)}" data-level="${h(row.level)}" data-area="${h(row.area)}" data-statuses="${statuses}">
<th scope="row">${id}<div class="statement">${h(row.statement)}</div></th>
<td class="level">${h(row.level)}</td>
<td class="area">${h(row.area)}</td>
${row.cells.map((cell) => matrixCell(report.runs[cell.run]!, cell, row.link)).join('\n')}
</tr>`;
}

const BADGE: Record<MatrixCell['status'], string> = {
  pass: '✓ pass', fail: '✗ fail', skip: '– skip', error: '! error', flaky: '~ flaky', unsupported: '– unsupported (refused)', 'expected-fail': '✗ fail (declared)',
  'unexpected-pass': '✓ pass (declared to fail)', 'beyond-target': '· newer than judged', withdrawn: '· replaced before judged', absent: 'not run',
};

/** A cell; `rowLink` is the spec link of the row, the first runtime's: a runtime judged against another release links its own in its evidence. */
function matrixCell(run: RuntimeRun, cell: MatrixCell, rowLink: string): string {
  const open = `<td class="cell s-${cell.status}" data-cell data-run="${cell.run}" data-runtime="${h(run.runtime.key)}" data-status="${cell.status}">`;
  const badge = `<span class="badge">${BADGE[cell.status]}</span>`;
  const result = cell.result;
  // A failure's evidence, and a skip's reason, open on demand: the matrix stays one line a row.
  if (result === undefined || cell.status === 'pass' || cell.status === 'absent') return `${open}${badge}</td>`;
  // Outside the judged version or declared: what it came to and why it does not count, on demand.
  return `${open}<details data-evidence><summary>${badge}</summary>${evidence(result, rowLink)}</details></td>`;
}

/** Why a result counts as it does, when that is not plain pass/fail/skip/error. */
function judgement(result: RequirementResult): string {
  const lines: string[] = [];
  const verdict = verdictOf(result);
  if (verdict === 'beyond-target') lines.push(`Not counted: introduced in spec ${result.since ?? '?'}, newer than the version judged. It came to ${result.status}.`);
  if (verdict === 'withdrawn') lines.push(`Not counted: replaced after spec ${result.until ?? '?'}, before the version judged. It came to ${result.status}.`);
  if (result.expectedFailure) {
    lines.push(`The runtime's declaration says it fails: ${result.expectedFailure.reason}`);
  }
  if (verdict === 'flaky') {
    for (const [i, a] of result.tests.flatMap((t) => t.attempts ?? []).entries()) lines.push(`Attempt ${i + 1}: ${a.status}${a.reason ? ` — ${a.reason}` : ''}`);
  }
  if (verdict === 'unexpected-pass') lines.push('It passed: the declaration is out of date, and the run fails until the entry is removed.');
  return lines.length === 0 ? '' : `<p class="label">Judged</p><p data-judgement>${lines.map(h).join('<br>')}</p>`;
}

function evidence(result: RequirementResult, rowLink: string): string {
  const reason = result.reason === undefined ? '' : `<p class="label">${{ fail: 'Reason', error: 'rtconform\'s own error (no verdict)', skip: 'Skipped because', pass: '' }[result.status]}</p><pre data-reason>${h(result.reason)}</pre>`;
  const judged = judgement(result);
  const url = result.link === rowLink ? undefined : safeUrl(result.link);
  const release = /\/runtime-spec\/blob\/(v[\w.-]+)\//.exec(result.link)?.[1];
  const spec = url === undefined ? '' : `<p class="label">Spec</p><p data-spec-link><a href="${h(url)}">${h(release === undefined ? 'the section' : `the section in runtime-spec ${release}`)}</a>, as judged for this runtime</p>`;
  return `<div class="evidence">${judged}${reason}${spec}<p class="label">Tests</p><ul class="tests" data-tests>${result.tests.map((t) => testItem(result, t)).join('')}</ul></div>`;
}

function testItem(result: RequirementResult, test: TestOutcome): string {
  // The requirement's reason is the first failure's: repeating it under that test adds nothing.
  const reason = test.reason !== undefined && test.reason !== result.reason && test.status !== 'pass' ? `<pre data-test-reason>${h(test.reason)}</pre>` : '';
  const comparison = test.expected === undefined && test.actual === undefined ? '' : `<div class="comparison" data-comparison>
<div><p class="label">Expected</p><pre data-expected>${h(test.expected ?? '')}</pre></div>
<div><p class="label">Actual</p><pre data-actual>${h(test.actual ?? '')}</pre></div>
</div>`;
  return `<li data-test data-test-status="${test.status}"><span class="s-${test.status}">${BADGE[test.status]}</span> <span data-test-name>${h(test.name)}</span> <small>${h(formatDuration(test.durationMs))}</small>${reason}${comparison}</li>`;
}

/**
 * Status colours are paired with a symbol and a word everywhere, for readers who cannot tell
 * the colours apart and for black-and-white prints.
 */
const STYLE = `
:root { font: 14px/1.45 system-ui, sans-serif; color: #1f2328; background: #fff; }
body { margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 110rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.15rem; margin: 0; }
[hidden] { display: none !important; }
.facts { display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; margin: 0 0 1rem; }
.facts div { display: flex; gap: .4rem; }
.facts dt { color: #59636e; }
.facts dd { margin: 0; font-weight: 600; }
.banner { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem .75rem; border-radius: 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: 1rem; margin-bottom: 1.25rem; }
.card { border: 1px solid #d1d9e0; border-top-width: 4px; border-radius: 6px; padding: .75rem 1rem; }
.card.v-pass { border-top-color: #1a7f37; } .card.v-warn { border-top-color: #bf8700; } .card.v-fail { border-top-color: #cf222e; }
.card .target, .card .meta { color: #59636e; margin: .2rem 0; overflow-wrap: anywhere; }
.card .verdict { font-weight: 600; margin: .4rem 0; padding: .15rem .5rem; border-radius: 4px; }
.scores { display: flex; gap: 1.5rem; margin: .4rem 0; }
.scores dt { font-size: .75rem; color: #59636e; }
.scores dd { margin: 0; font-size: 1.1rem; }
.scores small { display: block; font-size: .75rem; color: #59636e; }
.counts { list-style: none; display: flex; gap: .5rem; padding: 0; margin: .4rem 0; }
.counts li { padding: .05rem .5rem; border-radius: 1rem; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin-bottom: .75rem; }
.filters fieldset { border: 1px solid #d1d9e0; border-radius: 6px; padding: .25rem .75rem .4rem; }
.filters label { margin-right: .6rem; white-space: nowrap; }
.filters output { color: #59636e; padding-bottom: .5rem; }
.matrix { border-collapse: collapse; width: 100%; }
.matrix th, .matrix td { border: 1px solid #d1d9e0; padding: .3rem .5rem; text-align: left; vertical-align: top; }
.matrix thead th { position: sticky; top: 0; background: #f6f8fa; z-index: 1; }
.matrix th[scope=row] { font-weight: 600; min-width: 18rem; }
.matrix .statement { font-weight: 400; color: #59636e; }
.matrix .level, .matrix .area { white-space: nowrap; }
.cell { min-width: 7rem; max-width: 40rem; }
.s-pass { background: #dafbe1; color: #116329; }
.s-fail { background: #ffebe9; color: #a40e26; }
.s-skip, .s-warn { background: #fff8c5; color: #7d4e00; }
.s-error { background: #fbefff; color: #6e2d91; }
.s-flaky { background: #fff1e5; color: #953800; }
.s-expected-fail { background: #f1ece4; color: #6b4f1d; }
.s-unexpected-pass { background: #ffebe9; color: #a40e26; }
.s-unsupported, .s-beyond-target, .s-withdrawn, .s-absent { background: #f6f8fa; color: #59636e; }
.badge { font-weight: 600; white-space: nowrap; }
summary { cursor: pointer; }
.evidence { color: #1f2328; margin-top: .35rem; }
.evidence .label { margin: .4rem 0 .1rem; font-size: .8rem; font-weight: 600; color: #59636e; }
.evidence pre { margin: 0; padding: .35rem .5rem; background: #fff; border: 1px solid #d1d9e0; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; }
.tests { margin: 0; padding-left: 1.1rem; }
.tests li { margin: .2rem 0; }
.tests .s-pass, .tests .s-fail, .tests .s-skip, .tests .s-error { padding: 0 .3rem; border-radius: 3px; font-weight: 600; }
.comparison { display: grid; grid-template-columns: 1fr 1fr; gap: .5rem; }
.empty { color: #59636e; font-style: italic; }
a { color: #0969da; }
`;

/**
 * Filters: a row shows when its level and area are ticked and it matches the status choice.
 * "fail" and "skip" mean the status appears in at least one run; "pass" that every run that
 * has the requirement passed it. Plain DOM, no library, no build step.
 */
const SCRIPT = `
(() => {
  const form = document.querySelector('[data-filters]');
  const rows = Array.from(document.querySelectorAll('[data-row]'));
  const count = document.querySelector('[data-visible-count]');
  const empty = document.querySelector('[data-empty]');
  const ticked = (name) => new Set(Array.from(form.querySelectorAll('[data-filter="' + name + '"] input:checked'), (i) => i.value));
  const apply = () => {
    const levels = ticked('level');
    const areas = ticked('area');
    const status = form.querySelector('[data-filter="status"] input:checked').value;
    let shown = 0;
    for (const row of rows) {
      const statuses = row.dataset.statuses.split(' ').filter(Boolean);
      const matches = status === 'all' || (status === 'pass' ? statuses.every((s) => s === 'pass') : statuses.includes(status));
      const visible = levels.has(row.dataset.level) && areas.has(row.dataset.area) && matches;
      row.hidden = !visible;
      if (visible) shown++;
    }
    count.textContent = shown + ' of ' + rows.length + ' requirements shown';
    empty.hidden = shown > 0;
  };
  form.addEventListener('change', apply);
  form.addEventListener('submit', (e) => e.preventDefault());
  apply();
})();
`;

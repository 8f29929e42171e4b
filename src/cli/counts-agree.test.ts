import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport, RequirementResult, TestOutcome } from '../report/compliance.js';
import { renderHtml } from '../report/render/html.js';
import { renderMarkdown } from '../report/render/markdown.js';
import { escapeHtml, runHeadline } from '../report/render/text.js';
import { scoreRun, summarize, verdictExitCode } from '../report/score.js';
import { requirementResult } from '../report/verdict.js';
import { catalogue } from '../requirements/catalogue.js';
import type { Level } from '../requirements/requirement.js';
import { actionOutputs } from './action-outputs.js';
import { printSummary } from './summary.js';

const test = (status: TestOutcome['status'], extra: Partial<TestOutcome> = {}): TestOutcome => ({ name: `t ${status}`, status, durationMs: 1, ...extra });

/** The n-th catalogue requirement of a level (that holds since 1.0.0, unless `since` is asked for). */
function pick(level: Level, n: number, since?: string): string {
  const found = catalogue.filter((r) => r.level === level && r.until === undefined && (since === undefined ? r.since === '1.0.0' : r.since === since));
  const r = found[n];
  if (!r) throw new Error(`the catalogue has no ${n}th ${level} requirement${since ? ` since ${since}` : ''}`);
  return r.id;
}

/**
 * One run with every verdict at every level group, MUST NOT among them (the summary line once
 * counted MUST alone while the reports counted MUST with MUST NOT).
 */
function mixedRun(): RequirementResult[] {
  const judging = { release: '1.0.2' as const, expectedFailures: new Map([[pick('MUST', 5), { reason: 'declared' }]]) };
  const r = (id: string, tests: TestOutcome[]): RequirementResult => requirementResult(id, tests, judging);
  return [
    r(pick('MUST', 0), [test('pass')]),
    r(pick('MUST', 1), [test('pass')]),
    r(pick('MUST', 2), [test('fail', { reason: 'broken' })]),
    r(pick('MUST', 3), [test('skip', { reason: 'cannot here' })]),
    r(pick('MUST', 4), [test('error', { reason: 'our bug' })]),
    r(pick('MUST', 5), [test('fail', { reason: 'as declared' })]),
    r(pick('MUST', 6), [test('pass', { attempts: [{ status: 'fail' }, { status: 'pass' }] })]),
    r(pick('MUST', 0, '1.1.0'), [test('fail', { reason: 'newer rule' })]),
    r(pick('MUST NOT', 0), [test('pass')]),
    r(pick('MUST NOT', 1), [test('fail', { reason: 'did it anyway' })]),
    r(pick('SHOULD', 0), [test('pass')]),
    r(pick('SHOULD', 1), [test('fail', { reason: 'no' })]),
    r(pick('SHOULD', 2), [test('skip', { reason: 'n/a' })]),
    r(pick('MAY', 0), [test('pass')]),
  ];
}

function report(results: RequirementResult[]): ComplianceReport {
  return {
    schemaVersion: 2, tool: { name: 'rtconform', version: 'test' }, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z',
    durationMs: 60_000, interrupted: false,
    runs: [{
      runtime: { key: 'rt', name: 'rt', path: '/usr/bin/rt', version: '1.0.0', spec: '1.0.2' }, target: { kind: 'host', description: 'host' },
      judgedAgainst: { specVersion: '1.0.2', source: 'test' }, summary: summarize(results), results,
    }],
  };
}

function summaryText(r: ComplianceReport): string {
  let text = '';
  const out = new Writable({ write: (chunk: Buffer, _enc, done) => { text += chunk.toString(); done(); } });
  printSummary(r, '/tmp/out', { out });
  return text;
}

/** "MUST 3 / 5 met"-style counts, per level group, as a text states them. */
function metOfTested(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const group of ['MUST', 'SHOULD', 'MAY']) {
    const m = new RegExp(`${group} (\\d+ / \\d+) met`).exec(text);
    if (m) found[group] = m[1]!;
  }
  return found;
}

describe('the summary printed at the end of a run', () => {
  it('writes out the control characters a runtime put in its name, version or words, never raw', () => {
    const r = report(mixedRun());
    r.runs[0]!.runtime.version = '1.0\u001b[2J';
    r.runs[0]!.runtime.path = '/usr/bin/rt\u0007';
    const text = summaryText(r);
    expect(text).toContain('1.0\\u001b[2J');
    expect(text).toContain('/usr/bin/rt\\u0007');
    // eslint-disable-next-line no-control-regex -- no control character may reach a terminal
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});

describe('every report of one run counts the same', () => {
  it('summary line, Markdown, HTML, compliance.json summary and exit code agree on every count', () => {
    const r = report(mixedRun());
    const score = scoreRun(r.runs[0]!);
    const expected = { MUST: `${score.must.met} / ${score.must.tested}`, SHOULD: `${score.should.met} / ${score.should.tested}`, MAY: `${score.may.met} / ${score.may.tested}` };
    // The fixture is what it claims: MUST NOT results are in the MUST group.
    expect(score.must.tested).toBe(6);
    expect(score.mandatoryFailed).toBe(2);

    const text = summaryText(r);
    const markdown = renderMarkdown(r);
    const html = renderHtml(r).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(metOfTested(text), text).toEqual(expected);
    expect(metOfTested(markdown), markdown).toEqual(expected);
    expect(metOfTested(html)).toEqual(expected);

    expect(text).toContain(`${score.pass} passed, ${score.fail} failed, ${score.skip} skipped`);
    expect(text).toContain(`verdict: ${score.mandatoryFailed} MUST requirements failed; ${score.must.expectedFailures} MUST requirement fails as declared;`);
    expect(markdown).toContain(`**${score.mandatoryFailed} MUST requirements failed; ${score.must.expectedFailures} MUST requirement fails as declared;`);
    expect(markdown).toContain(`${score.skip} skipped`);
    expect(html).toContain(`✗ ${score.mandatoryFailed} MUST requirements failed`);
    expect(r.runs[0]!.summary).toMatchObject({
      pass: score.pass, fail: score.fail, skip: score.skip, error: score.error, expectedFail: score.expectedFail,
      flaky: score.flaky, mandatoryFailed: score.mandatoryFailed,
    });
    expect(verdictExitCode(r)).toBe(1);
  });

  it('the end-of-run summary, Markdown, HTML and the action\'s outputs say the same headline, declared failures in it', () => {
    const r = report(mixedRun());
    const headline = runHeadline(r.runs[0]!);
    expect(headline).toBe('2 MUST requirements failed; 1 MUST requirement fails as declared; 1 SHOULD requirement failed; 1 requirement flaky (attempts disagree); '
      + '1 requirement not judged: rtconform\'s own machinery failed; 1 requirement outside the judged spec release fails too, not counted');
    expect(summaryText(r)).toContain(`verdict: ${headline} (ERROR above)\n`);
    expect(renderMarkdown(r)).toContain(`**${headline}**`);
    expect(renderHtml(r)).toContain(`data-field="verdict">✗ ${escapeHtml(headline)}</p>`);
    expect(actionOutputs(r)).toEqual({ headline, 'must-failed': '2', 'must-failing-as-declared': '1', 'should-failed': '1', 'should-failing-as-declared': '0' });
  });

  it('the exit code follows the same score: errors alone give 2, a clean run 0', () => {
    const errorsOnly = mixedRun().filter((x) => x.verdict !== 'fail');
    expect(scoreRun({ results: errorsOnly }).error).toBeGreaterThan(0);
    expect(verdictExitCode(report(errorsOnly))).toBe(2);
    const clean = errorsOnly.filter((x) => x.verdict !== 'error');
    expect(verdictExitCode(report(clean))).toBe(0);
    // Exit 0, and still not "no requirement failed": one MUST fails as declared.
    const text = summaryText(report(clean));
    expect(text).toContain('verdict: 1 MUST requirement fails as declared; no other MUST requirement failed; 1 requirement flaky');
    expect(text).not.toMatch(/no requirement failed/);
    const passes = clean.filter((x) => x.verdict === 'pass');
    expect(verdictExitCode(report(passes))).toBe(0);
    expect(summaryText(report(passes))).toContain('verdict: no requirement failed\n');
  });
});

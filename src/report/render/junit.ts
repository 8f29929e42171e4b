import type { ComplianceReport, RequirementResult, RuntimeRun } from '../compliance.js';
import { verdictOf } from '../verdict.js';
import { runTitle } from './matrix.js';
import { scoreRun, type RunScore } from '../score.js';
import { specArea } from './spec-area.js';
import { escapeXmlAttribute, escapeXmlText } from './text.js';
import { firstLine } from '../../util/text.js';

/**
 * The report as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub test-report actions)
 * show as test results: one <testsuite> per runtime run, one <testcase> per requirement. A
 * requirement, not a vitest test, is the unit, so a CI view lists what the spec asks for.
 */
export function renderJunit(report: ComplianceReport): string {
  const scores = report.runs.map(scoreRun);
  const sum = (pick: (s: (typeof scores)[number]) => number): number => scores.reduce((n, s) => n + pick(s), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({
      name: `rtconform ${report.tool.version}${report.interrupted ? ' (interrupted)' : ''}`,
      tests: sum((s) => s.total), failures: sum(junitFailures), errors: sum((s) => s.error), skipped: sum(junitSkipped),
      time: seconds(report.durationMs), timestamp: report.startedAt,
    })}>`,
  ];
  for (const run of report.runs) lines.push(...testsuite(report, run));
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

function testsuite(report: ComplianceReport, run: RuntimeRun): string[] {
  const score = scoreRun(run);
  const time = run.results.reduce((ms, r) => ms + testsMs(r), 0);
  const properties: Record<string, string | null | undefined> = {
    'runtime.key': run.runtime.key, 'runtime.name': run.runtime.name, 'runtime.path': run.runtime.path,
    'runtime.version': run.runtime.version, 'runtime.spec': run.runtime.spec,
    'target.kind': run.target.kind, 'target.description': run.target.description, 'target.image': run.target.image,
    'target.cgroupView': run.target.cgroupView, 'target.privilege': run.target.privilege,
    mandatoryFailed: String(score.mandatoryFailed), interrupted: String(report.interrupted),
  };
  return [
    `  <testsuite${attributes({
      name: runTitle(run), tests: score.total, failures: junitFailures(score), errors: score.error, skipped: junitSkipped(score),
      time: seconds(time), timestamp: report.startedAt,
    })}>`,
    '    <properties>',
    ...Object.entries(properties).filter((e): e is [string, string] => e[1] !== null && e[1] !== undefined)
      .map(([name, value]) => `      <property${attributes({ name, value })}/>`),
    '    </properties>',
    ...run.results.flatMap(testcase),
    '  </testsuite>',
  ];
}

/** JUnit has no expected failure or out-of-scope test: those are skipped there, an unexpected pass a failure. */
function junitFailures(score: RunScore): number {
  return score.fail + score.unexpectedPass;
}

function junitSkipped(score: RunScore): number {
  return score.total - score.pass - junitFailures(score) - score.error;
}

function testcase(result: RequirementResult): string[] {
  const open = `    <testcase${attributes({
    // "MUST runtime.md": the level and the spec document are what a reader groups by.
    classname: `${result.level} ${specArea(result)}`,
    name: `${result.requirement} — ${result.statement}`,
    time: seconds(testsMs(result)),
  })}`;
  switch (verdictOf(result)) {
    case 'pass':
      return [`${open}/>`];
    case 'beyond-target':
    case 'withdrawn':
      return [`${open}>`, `      <skipped${attributes({ message: `outside the spec version judged (since ${result.since ?? '?'}${result.until ? `, until ${result.until}` : ''}); it came to ${result.status}` })}/>`, '    </testcase>'];
    case 'unsupported':
      return [`${open}>`, `      <skipped${attributes({ message: `unsupported by the runtime's own features, and refused: ${firstLine(result.reason ?? '')}` })}/>`, '    </testcase>'];
    case 'flaky':
      return [`${open}>`, `      <skipped${attributes({ message: `flaky: its attempts disagree (${result.tests.flatMap((t) => t.attempts ?? []).map((a) => a.status).join(', ')})` })}/>`, '    </testcase>'];
    case 'expected-fail':
      return [`${open}>`, `      <skipped${attributes({ message: `fails as its declaration says: ${firstLine(result.expectedFailure?.reason ?? '')}` })}/>`, '    </testcase>'];
    case 'unexpected-pass':
      return [
        `${open}>`,
        `      <failure${attributes({ message: 'passed, but the runtime\'s declaration says it fails: update the declaration', type: 'unexpected-pass' })}>${escapeXmlText(result.expectedFailure?.reason ?? '')}</failure>`,
        '    </testcase>',
      ];
    case 'skip':
      return [`${open}>`, `      <skipped${attributes({ message: result.reason ?? 'skipped' })}/>`, '    </testcase>'];
    case 'fail':
      return [
        `${open}>`,
        `      <failure${attributes({ message: firstLine(result.reason ?? '') || 'failed', type: result.level })}>${escapeXmlText(failureBody(result))}</failure>`,
        '    </testcase>',
      ];
    case 'error':
      // JUnit's own word for "the test could not run properly", apart from an assertion failure.
      return [
        `${open}>`,
        `      <error${attributes({ message: firstLine(result.reason ?? '') || 'rtconform error', type: 'rtconform' })}>${escapeXmlText(failureBody(result))}</error>`,
        '    </testcase>',
      ];
  }
}

/** The whole reason, then each failed test with the two sides of its comparison, and the requirement's link. */
function failureBody(result: RequirementResult): string {
  const parts = [result.reason ?? 'failed'];
  for (const test of result.tests.filter((t) => t.status === 'fail' || t.status === 'error')) {
    const lines = [`test: ${test.name}`];
    if (test.reason !== undefined && test.reason !== result.reason) lines.push(`reason: ${test.reason}`);
    if (test.expected !== undefined) lines.push(`expected:\n${test.expected}`);
    if (test.actual !== undefined) lines.push(`actual:\n${test.actual}`);
    parts.push(lines.join('\n'));
  }
  parts.push(`spec: ${result.link}`);
  return parts.join('\n\n');
}

function testsMs(result: RequirementResult): number {
  return result.tests.reduce((ms, t) => ms + t.durationMs, 0);
}

/** JUnit time is in seconds. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values).map(([name, value]) => ` ${name}="${escapeXmlAttribute(String(value))}"`).join('');
}

import type { ComplianceReport, RuntimeRun, TestOutcome } from '../compliance.js';
import { summarize } from '../score.js';
import { requirementResults } from '../verdict.js';
import type { SpecRelease } from '../../requirements/spec-version.js';

const test = (status: TestOutcome['status'], reason?: string): TestOutcome => ({ name: `a test that ends ${status}`, status, durationMs: 1, ...(reason === undefined ? {} : { reason }) });

/** One run judged against `specVersion`, with `declared` as its declaration's expected failures, made as the reporter makes it. */
export function judgedRun(key: string, specVersion: SpecRelease, declared: string[], outcomes: [requirement: string, status: TestOutcome['status']][]): RuntimeRun {
  const results = requirementResults(
    new Map(outcomes.map(([id, status]) => [id, [test(status, status === 'pass' ? undefined : `${id} came to ${status}`)]])),
    { release: specVersion, expectedFailures: new Map(declared.map((id) => [id, { reason: `${key} is known to break ${id}` }])) },
  );
  return {
    runtime: { key, name: key, path: `/usr/bin/${key}`, version: '1.0.0', spec: specVersion }, target: { kind: 'host', description: 'host' },
    judgedAgainst: { specVersion, source: 'test' }, summary: summarize(results), results,
  };
}

/**
 * Two runtimes, judged against different releases. `old` (judged against 1.0.2) fails two MUST
 * requirements and one SHOULD as its declaration says, fails a rule newer than 1.0.2 (not
 * counted), and nothing else: no failure counts against it. `new` (judged against 1.2.0) fails
 * state.id, counted, and has a rule 1.0.2 withdrew.
 */
export function declaredFailuresReport(): ComplianceReport {
  return {
    schemaVersion: 2, tool: { name: 'rtconform', version: 'test' }, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z',
    durationMs: 60_000, interrupted: false,
    runs: [
      judgedRun('old', '1.0.2', ['state.id', 'state.pid', 'state.annotations'], [
        ['state.id', 'fail'], ['state.pid', 'fail'], ['state.annotations', 'fail'], ['state.status-values', 'pass'],
        ['linux.namespaces.new-time', 'fail'], ['features.version-range', 'pass'], ['cli.exec.env', 'pass'],
      ]),
      judgedRun('new', '1.2.0', [], [
        ['state.id', 'fail'], ['state.pid', 'pass'], ['state.annotations', 'pass'], ['state.status-values', 'pass'],
        ['linux.namespaces.new-time', 'pass'], ['features.version-range', 'pass'], ['cli.exec.env', 'pass'],
        ['config.process.capabilities.unknown-error', 'pass'],
      ]),
    ],
  };
}

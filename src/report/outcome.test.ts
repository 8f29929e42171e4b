import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, type ComplianceReport } from './compliance.js';
import { EVIDENCE_CAP, evidenceText, outcomeOfFailure, REASON_CAP } from './outcome.js';
import { fitToSchema } from './write-reports.js';

describe('a failed test becomes fail or error', () => {
  it('is the runtime\'s fail for an assertion or the adapter\'s word that the runtime misbehaved', () => {
    for (const name of ['AssertionError', 'RuntimeError', 'RuntimeOutputError', 'RuntimeTimeoutError', 'ContainerWaitError', 'ProbeIncompleteError']) {
      expect(outcomeOfFailure([{ name, message: 'the runtime did it' }]).status, name).toBe('fail');
    }
  });

  it('is rtconform\'s error for anything else: our bug, an unparseable probe, a binary that cannot start', () => {
    for (const name of ['TypeError', 'Error', 'ProbeOutputError', 'RuntimeSpawnError', undefined]) {
      const outcome = outcomeOfFailure([{ name, message: 'ours' }]);
      expect(outcome.status, String(name)).toBe('error');
      expect(outcome.reason).toBe(name ? `${name}: ours` : 'ours');
    }
  });

  it('is the runtime\'s fail when a number matcher met a value the runtime left out', () => {
    expect(outcomeOfFailure([{ name: 'TypeError', message: 'actual value must be number or bigint, received "undefined"' }]).status).toBe('fail');
    expect(outcomeOfFailure([{ name: 'TypeError', message: 'Cannot read properties of undefined' }]).status).toBe('error');
  });

  it('judges by the test\'s own error, not by what its cleanup threw after it', () => {
    expect(outcomeOfFailure([{ name: 'AssertionError', message: 'a' }, { name: 'Error', message: 'cleanup' }]).status).toBe('fail');
  });

  it('turns compared values of any type into capped text', () => {
    const outcome = outcomeOfFailure([{ name: 'AssertionError', message: 'x', expected: ['a', 'b'] as unknown as string, actual: 'z'.repeat(10 * EVIDENCE_CAP) }]);
    expect(outcome.expected).toBe(JSON.stringify(['a', 'b'], null, 2));
    expect(outcome.actual!.length).toBeLessThan(EVIDENCE_CAP + 200);
    expect(outcome.actual).toMatch(/rtconform cut \d+ characters of the value here/);
    expect(outcomeOfFailure([{ name: 'Error', message: 'm'.repeat(5 * REASON_CAP) }]).reason!.length).toBeLessThan(REASON_CAP + 200);
  });

  it('serialises what JSON cannot hold', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(evidenceText(cyclic)).toContain('[Circular');
    expect(evidenceText(undefined)).toBe('undefined');
  });
});

describe('fitToSchema', () => {
  it('replaces a result that breaks the schema by an error result and keeps the rest of the report', () => {
    const good = { requirement: 'state.id', level: 'MUST', source: 'runtime-spec', statement: 's', link: 'l', status: 'pass', tests: [] } as const;
    const bad = { ...good, requirement: 'state.pid', status: 'fail', tests: [{ name: 't', status: 'fail', durationMs: 1, actual: [1, 2] }] };
    const report = {
      schemaVersion: SCHEMA_VERSION, tool: { name: 'rtconform', version: '0' }, startedAt: '', finishedAt: '', durationMs: 0, interrupted: false,
      runs: [{ runtime: { key: 'x', name: 'x', path: null, version: null, spec: null }, target: { kind: 'host', description: 'host' },
        summary: { pass: 1, fail: 1, skip: 0, error: 0, mandatoryFailed: 1 }, results: [good, bad] }],
    } as unknown as ComplianceReport;
    const fitted = fitToSchema(report);
    expect(fitted.runs[0]!.results[0]).toEqual(good);
    expect(fitted.runs[0]!.results[1]).toMatchObject({ requirement: 'state.pid', status: 'error', reason: expect.stringMatching(/could not record this result.*actual/s) });
    expect(fitted.runs[0]!.summary).toEqual({ pass: 1, fail: 0, skip: 0, error: 1, expectedFail: 0, unexpectedPass: 0, flaky: 0, unsupported: 0, outsideTarget: 0, mandatoryFailed: 0 });
  });
});

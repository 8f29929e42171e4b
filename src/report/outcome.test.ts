import { describe, expect, it, type TestError } from 'vitest';
import { ProbeIncompleteError, ProbeOutputError } from '../probe/observation.js';
import { ContainerWaitError, ExecTimeoutError, MonitorRequiredError, RuntimeError, RuntimeOutputError, RuntimeSpawnError, RuntimeTimeoutError, UnsupportedOperationError } from '../runtime/errors.js';
import { WaitTimeoutError } from '../util/wait.js';
import { SCHEMA_VERSION, type ComplianceReport } from './compliance.js';
import { EVIDENCE_CAP, evidenceText, outcomeOfFailure, REASON_CAP } from './outcome.js';
import { fitToSchema } from './write-reports.js';

/** An error as the reporter gets it: vitest sends a test's error to it as a plain copy of its own fields. */
const asReported = (error: Error): TestError => JSON.parse(JSON.stringify({ ...error, name: error.name, message: error.message })) as TestError;
const ARGV = ['runc', 'create'];

describe('a failed test becomes fail or error', () => {
  it('is the runtime\'s fail for an assertion, or an error that says the runtime refused, hung, printed what it must not, or stopped the probe', () => {
    const runtimes: Error[] = [
      new RuntimeError('create', ARGV, 1, 'refused', undefined),
      new RuntimeError('create', ARGV, undefined, '', undefined, { signal: 'SIGSEGV' }),
      new RuntimeTimeoutError('create', ARGV, 1000, '', undefined),
      new RuntimeOutputError('state', ARGV, '{', 'not JSON'),
      new ExecTimeoutError('c1', 1000, '', '', 'the process was killed'),
      new ContainerWaitError('c1', 'running', 'created', 'never started'),
      new WaitTimeoutError('pid 7 to be gone', 1000, undefined, 'runtime'),
      new ProbeIncompleteError('the probe did not finish', ''),
    ];
    for (const error of runtimes) {
      expect(outcomeOfFailure([asReported(error)]).status, `${error.name}: ${error.message}`).toBe('fail');
    }
    expect(outcomeOfFailure([{ name: 'AssertionError', message: 'expected 1 to be 2' }]).status).toBe('fail');
  });

  it('is rtconform\'s error for anything else: our helpers, the monitor, our bug, an unparseable probe, a binary that cannot start, an operation it lacks', () => {
    const ours: Error[] = [
      new RuntimeError('attach', ['socat', '-u'], 1, 'socat: E connect() failed', undefined, { who: 'rtconform' }),
      new RuntimeTimeoutError('attach', ['socat', '-u'], 1000, '', undefined, 'rtconform'),
      new RuntimeError('create', ['conmon'], 1, 'conmon failed', undefined, { who: 'monitor' }),
      new RuntimeOutputError('logs', ['conmon'], 'x', 'no line', 'monitor'),
      new WaitTimeoutError('the agent to start', 1000, undefined, 'rtconform'),
      new ProbeOutputError('observation.umask: not octal', ''),
      new RuntimeSpawnError('/nope', Object.assign(new Error('spawn /nope ENOENT'), { code: 'ENOENT' })),
      new UnsupportedOperationError('runsc', 'update', 'no update command'),
      new MonitorRequiredError('runc', 'wait'),
      new TypeError('Cannot read properties of undefined'),
      new Error('ours'),
    ];
    for (const error of ours) {
      const outcome = outcomeOfFailure([asReported(error)]);
      expect(outcome.status, `${error.name}: ${error.message}`).toBe('error');
      expect(outcome.reason).toBe(`${error.name}: ${error.message}`);
    }
    expect(outcomeOfFailure([{ message: 'ours' }]).reason).toBe('ours');
  });

  it('reads who failed from the error\'s fields, not its class: a RuntimeError of our own helper is an error', () => {
    const helper = new RuntimeError('create', ['sh', '-c', 'BUNDLE_ON_TARGET'], 1, 'mount: permission denied', undefined, { who: 'rtconform' });
    expect(helper.name).toBe('RuntimeError');
    expect(outcomeOfFailure([asReported(helper)]).status).toBe('error');
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

import { describe, expect, it } from 'vitest';
import type { ComplianceReport, RequirementResult, RuntimeRun } from './compliance.js';
import { compareReports, formatComparison } from './comparison.js';

const result = (requirement: string, level: RequirementResult['level'], status: RequirementResult['status'], reason?: string): RequirementResult => ({
  requirement, level, source: 'runtime-spec', statement: `statement of ${requirement}`,
  link: 'https://github.com/opencontainers/runtime-spec/blob/v1.2.0/runtime.md', status, tests: [], ...(reason ? { reason } : {}),
});

const run = (key: string, results: RequirementResult[]): RuntimeRun => ({
  runtime: { key, name: key, path: null, version: null, spec: null },
  target: { kind: 'host', description: 'host' },
  summary: { pass: 0, fail: 0, skip: 0, error: 0, expectedFail: 0, unexpectedPass: 0, flaky: 0, unsupported: 0, outsideTarget: 0, mandatoryFailed: 0 },
  results,
});

const report = (...runs: RuntimeRun[]): ComplianceReport => ({
  schemaVersion: 1, tool: { name: 'rtconform', version: '0' }, startedAt: '', finishedAt: '', durationMs: 0, interrupted: false, runs,
});

describe('compareReports', () => {
  const old = report(
    run('fake', [result('a', 'MUST', 'pass'), result('b', 'SHOULD', 'pass'), result('c', 'MUST', 'fail'), result('d', 'MUST', 'pass'), result('e', 'MUST', 'skip'), result('f', 'MUST', 'pass')]),
    run('runc', [result('a', 'MUST', 'pass')]),
  );
  const next = report(
    run('fake', [result('a', 'MUST', 'fail', 'the runtime accepted the call'), result('b', 'SHOULD', 'fail'), result('c', 'MUST', 'pass'), result('d', 'MUST', 'skip', 'no AppArmor'), result('e', 'MUST', 'fail'), result('g', 'MAY', 'pass')]),
    run('crun', [result('a', 'MUST', 'pass')]),
  );
  const comparison = compareReports(old, next);

  it('sorts every moved verdict into its kind', () => {
    expect(comparison.changes.map((c) => `${c.requirement} ${c.kind}`)).toEqual([
      'a regression', 'b regression', 'c fix', 'd new-skip', 'e new-failure', 'f dropped', 'g newly-passing',
    ]);
  });

  it('gates on MUST regressions only', () => {
    expect(comparison.mandatoryRegressions.map((c) => c.requirement)).toEqual(['a']);
  });

  it('names runtimes it could not compare', () => {
    expect(comparison).toMatchObject({ runtimesOnlyInOld: ['runc'], runtimesOnlyInNew: ['crun'] });
  });

  it('says so when nothing moved', () => {
    const same = compareReports(old, old);
    expect(same.changes).toEqual([]);
    expect(formatComparison(same)).toContain('No verdict changed.');
  });

  it('prints regressions first, with the reason', () => {
    const text = formatComparison(comparison);
    expect(text.indexOf('Regressions')).toBeLessThan(text.indexOf('Fixes'));
    expect(text).toContain('the runtime accepted the call');
    expect(text).toMatch(/1 MUST regression\.\n$/);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LEVELS } from '../requirements/requirement.js';
import { ComplianceReportSchema, type ComplianceReport } from './compliance.js';
import { levelGroup, metOfTested, scoreRun } from './score.js';

const fixture = (name: string): ComplianceReport =>
  ComplianceReportSchema.parse(JSON.parse(readFileSync(new URL(`./testdata/${name}.json`, import.meta.url), 'utf8')));

describe('scoreRun', () => {
  const [fake, runc] = fixture('two-runtimes').runs;

  it('counts met, failed, tested and skipped per level group, skips not counting as tested', () => {
    expect(scoreRun(fake!)).toEqual({
      must: { met: 4, failed: 1, tested: 5, skipped: 2, errors: 0, expectedFailures: 0, outsideTarget: 0, flaky: 0 },
      should: { met: 1, failed: 0, tested: 1, skipped: 1, errors: 0, expectedFailures: 0, outsideTarget: 0, flaky: 0 },
      may: { met: 1, failed: 0, tested: 1, skipped: 0, errors: 0, expectedFailures: 0, outsideTarget: 0, flaky: 0 },
      pass: 6, fail: 1, skip: 3, error: 0, expectedFail: 0, unexpectedPass: 0, flaky: 0, unsupported: 0, outsideTarget: 0, total: 10, mandatoryFailed: 1,
    });
  });

  it('puts MUST NOT with MUST and SHOULD NOT with SHOULD', () => {
    const score = scoreRun(runc!);
    expect(score.must).toEqual({ met: 2, failed: 3, tested: 5, skipped: 1, errors: 0, expectedFailures: 0, outsideTarget: 0, flaky: 0 });
    // cli.exec.env (SHOULD) and linux.user-mappings.no-chown (SHOULD NOT) passed, types-supported failed.
    expect(score.should).toEqual({ met: 2, failed: 1, tested: 3, skipped: 0, errors: 0, expectedFailures: 0, outsideTarget: 0, flaky: 0 });
    expect(score.mandatoryFailed).toBe(3);
    expect(LEVELS.map(levelGroup)).toEqual(['must', 'must', 'should', 'should', 'may']);
  });

  it('agrees with the summary rtconform run wrote, on the real sample and the hand-made fixture', () => {
    for (const report of [fixture('fake-run'), fixture('two-runtimes')]) {
      for (const run of report.runs) {
        const { pass, fail, skip, error, expectedFail, unexpectedPass, flaky, unsupported, mandatoryFailed } = scoreRun(run);
        expect({ pass, fail, skip, error, expectedFail, unexpectedPass, flaky, unsupported, outsideTarget: 0, mandatoryFailed }, run.runtime.key).toEqual(run.summary);
      }
    }
  });

  it('counts an error neither as met nor as tested, and apart from skips', () => {
    const [first] = fake!.results;
    const score = scoreRun({ results: [{ ...first!, level: 'MUST', status: 'error', reason: 'TypeError: ours' }] });
    expect(score.must).toEqual({ met: 0, failed: 0, tested: 0, skipped: 0, errors: 1, expectedFailures: 0, outsideTarget: 0, flaky: 0 });
    expect({ error: score.error, mandatoryFailed: score.mandatoryFailed }).toEqual({ error: 1, mandatoryFailed: 0 });
  });

  it('scores an empty run as nothing tested', () => {
    const score = scoreRun({ results: [] });
    expect(score.total).toBe(0);
    expect(metOfTested(score.must)).toBe('0 / 0');
  });
});

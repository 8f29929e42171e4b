import type { Level } from '../requirements/requirement.js';
import type { ComplianceReport, RequirementResult, RuntimeRun, Verdict } from './compliance.js';
import { verdictOf } from './verdict.js';

/**
 * How the requirements of one level group fared. A skipped requirement was not tested: it
 * counts neither as met nor as missed, so "met / tested" never flatters a runtime by what
 * could not be checked, and the skips are reported beside it.
 */
export interface Tally {
  met: number;
  failed: number;
  /** met + failed. */
  tested: number;
  skipped: number;
  /** rtconform's own machinery failed: neither met nor missed, shown apart. */
  errors: number;
  /** Failed as the runtime's declaration says (tested, not met, not held against the verdict). */
  expectedFailures: number;
  /** Outside the judged spec version: neither met nor missed. */
  outsideTarget: number;
  /** Attempts (--retries) disagreed: neither met nor missed, shown apart. */
  flaky: number;
}

/** MUST and MUST NOT are one group (both decide the exit code), SHOULD and SHOULD NOT another. */
export type LevelGroup = 'must' | 'should' | 'may';

export const LEVEL_GROUP_LABEL: Record<LevelGroup, string> = { must: 'MUST', should: 'SHOULD', may: 'MAY' };

export interface RunScore {
  must: Tally;
  should: Tally;
  may: Tally;
  pass: number;
  fail: number;
  skip: number;
  error: number;
  expectedFail: number;
  unexpectedPass: number;
  flaky: number;
  unsupported: number;
  /** Outside the judged spec version (beyond-target or withdrawn), all level groups. */
  outsideTarget: number;
  /** Requirements with a verdict in this run. */
  total: number;
  /** Failed MUST and MUST NOT requirements: any of them makes `rtconform run` exit 1. */
  mandatoryFailed: number;
}

/** Verdicts that count as tested: the runtime was checked and the result counts for or against it (a declared failure too). */
export function isTested(verdict: Verdict): boolean {
  return verdict === 'pass' || verdict === 'fail' || verdict === 'expected-fail' || verdict === 'unexpected-pass';
}

/** Verdicts that count as met: it passed, whatever its declaration expected. */
export function isMet(verdict: Verdict): boolean {
  return verdict === 'pass' || verdict === 'unexpected-pass';
}

export function levelGroup(level: Level): LevelGroup {
  switch (level) {
    case 'MUST':
    case 'MUST NOT':
      return 'must';
    case 'SHOULD':
    case 'SHOULD NOT':
      return 'should';
    case 'MAY':
      return 'may';
  }
}

/**
 * The score of one runtime run: the one place verdicts are counted. The report's `summary`,
 * every renderer, the end-of-run summary and the exit code all come from it; it is computed
 * from the results, never read from `summary`, so they agree even on a report edited by hand.
 */
export function scoreRun(run: Pick<RuntimeRun, 'results'>): RunScore {
  const empty = (): Tally => ({ met: 0, failed: 0, tested: 0, skipped: 0, errors: 0, expectedFailures: 0, outsideTarget: 0, flaky: 0 });
  const score: RunScore = {
    must: empty(), should: empty(), may: empty(), pass: 0, fail: 0, skip: 0, error: 0, expectedFail: 0, unexpectedPass: 0, flaky: 0, unsupported: 0, outsideTarget: 0, total: 0, mandatoryFailed: 0,
  };
  for (const result of run.results) {
    const tally = score[levelGroup(result.level)];
    score.total++;
    const verdict = verdictOf(result);
    if (isTested(verdict)) tally.tested++;
    if (isMet(verdict)) tally.met++;
    switch (verdict) {
      case 'pass': score.pass++; break;
      case 'unexpected-pass': score.unexpectedPass++; break;
      case 'fail': score.fail++; tally.failed++; break;
      case 'expected-fail': score.expectedFail++; tally.expectedFailures++; break;
      case 'error': score.error++; tally.errors++; break;
      case 'flaky': score.flaky++; tally.flaky++; break;
      // Its own features say it lacks it, and it refused it: not tested as a feature, like a skip.
      case 'unsupported': score.unsupported++; tally.skipped++; break;
      case 'skip': score.skip++; tally.skipped++; break;
      case 'beyond-target': case 'withdrawn': score.outsideTarget++; tally.outsideTarget++; break;
    }
  }
  score.mandatoryFailed = score.must.failed;
  return score;
}

/** "3 / 5": met out of tested. */
export function metOfTested(tally: Tally): string {
  return `${tally.met} / ${tally.tested}`;
}

/** The `summary` of a run in compliance.json. */
export function summarize(results: RequirementResult[]): RuntimeRun['summary'] {
  const s = scoreRun({ results });
  return {
    pass: s.pass, fail: s.fail, skip: s.skip, error: s.error, expectedFail: s.expectedFail, unexpectedPass: s.unexpectedPass,
    flaky: s.flaky, unsupported: s.unsupported, outsideTarget: s.outsideTarget,
    mandatoryFailed: s.mandatoryFailed,
  };
}

/**
 * The exit code a report gives `rtconform run`: 1 when a MUST requirement failed, or a declared
 * expected failure passed (the declaration no longer tells the truth); else 2 when rtconform's
 * own errors left requirements unjudged (the verdict is incomplete through no fault of the
 * runtime's); else 0.
 */
export function verdictExitCode(report: Pick<ComplianceReport, 'runs'>): 0 | 1 | 2 {
  const scores = report.runs.map(scoreRun);
  if (scores.some((s) => s.mandatoryFailed > 0 || s.unexpectedPass > 0)) return 1;
  return scores.some((s) => s.error > 0) ? 2 : 0;
}

import type { Level } from '../requirements/requirement.js';
import type { RuntimeRun, Verdict } from './compliance.js';
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
 * The score of one runtime run, computed from its results rather than read from `summary`,
 * so the renderers agree with each other even on a report whose summary was edited by hand.
 */
export function scoreRun(run: Pick<RuntimeRun, 'results'>): RunScore {
  const empty = (): Tally => ({ met: 0, failed: 0, tested: 0, skipped: 0, errors: 0, expectedFailures: 0, outsideTarget: 0, flaky: 0 });
  const score: RunScore = {
    must: empty(), should: empty(), may: empty(), pass: 0, fail: 0, skip: 0, error: 0, expectedFail: 0, unexpectedPass: 0, flaky: 0, unsupported: 0, total: 0, mandatoryFailed: 0,
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
      case 'beyond-target': case 'withdrawn': tally.outsideTarget++; break;
    }
  }
  score.mandatoryFailed = score.must.failed;
  return score;
}

/** "3 / 5": met out of tested. */
export function metOfTested(tally: Tally): string {
  return `${tally.met} / ${tally.tested}`;
}

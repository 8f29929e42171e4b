import type { Level } from '../../requirements/requirement.js';
import type { RuntimeRun } from '../compliance.js';

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
  /** Requirements with a verdict in this run. */
  total: number;
  /** Failed MUST and MUST NOT requirements: any of them makes `rtconform run` exit 1. */
  mandatoryFailed: number;
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
  const empty = (): Tally => ({ met: 0, failed: 0, tested: 0, skipped: 0, errors: 0 });
  const score: RunScore = { must: empty(), should: empty(), may: empty(), pass: 0, fail: 0, skip: 0, error: 0, total: 0, mandatoryFailed: 0 };
  for (const result of run.results) {
    const tally = score[levelGroup(result.level)];
    score.total++;
    score[result.status]++;
    if (result.status === 'pass') tally.met++;
    else if (result.status === 'fail') tally.failed++;
    else if (result.status === 'error') tally.errors++;
    else tally.skipped++;
    if (result.status === 'pass' || result.status === 'fail') tally.tested++;
  }
  score.mandatoryFailed = score.must.failed;
  return score;
}

/** "3 / 5": met out of tested. */
export function metOfTested(tally: Tally): string {
  return `${tally.met} / ${tally.tested}`;
}

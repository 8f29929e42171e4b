import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { hasRequirement, requirementById } from '../requirements/catalogue.js';
import { LEVEL_GROUP_LABEL, levelGroup, type LevelGroup } from '../report/score.js';
import { outsideJudgedRelease } from '../report/verdict.js';
import type { SelectionJudging } from './selection.js';

/** The failures of one runtime that vitest counts as passed: declared ones by level group, and the rest. */
interface Uncounted {
  declared: Map<LevelGroup, Set<string>>;
  /** Outside the judged spec release; or, when the run's judging is unknown, any. */
  other: Set<string>;
}

/**
 * Ends a test run with the one line CI reads: "N passed, N failed, N skipped". A test the
 * runtime failed in a way that does not count (its declaration names the failure, or the rule is
 * outside the judged spec release) passes for vitest, so that rtconform's own run stays green: it
 * is not counted as passed here, but said, per runtime, as what it is ("runc: 11 MUST
 * requirements fail as declared").
 */
export default class SummaryLineReporter implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let uncountedTests = 0;
    const judging = this.#judging();
    const uncounted = new Map<string, Uncounted>();
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        const meta = test.meta();
        if (state === 'passed' && meta.uncountedFailure && meta.runtime !== undefined && meta.requirement !== undefined) {
          uncountedTests++;
          record(uncounted, meta.runtime, meta.requirement, judging?.get(meta.runtime));
        } else if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else if (state === 'skipped') skipped++;
      }
      // A file that did not load, and a block whose hook threw (its tests may all have
      // passed): each error is a failure, or the line would say "0 failed" of a red run.
      failed += module.errors().length;
      for (const suite of module.children.allSuites()) failed += suite.errors().length;
    }
    failed += errors.length;
    const counts = `${passed} passed, ${failed} failed, ${skipped} skipped`;
    const known = judging !== undefined;
    const why = [...uncounted.entries()].map(([runtime, u]) => `${runtime}: ${describe(u, known)}`).join('; ');
    process.stdout.write(`\n${counts}${uncountedTests === 0 ? '' : `, ${uncountedTests} failing without counting (${why})`}\n`);
  }

  /** Each runtime's judging, from what global setup provided; undefined when the run has none (not an rtconform plan). */
  #judging(): Map<string, SelectionJudging | undefined> | undefined {
    try {
      const selections = this.#vitest?.getRootProject().getProvidedContext().rtconform?.selections;
      return selections === undefined ? undefined : new Map(selections.map((s) => [s.key, s.judging]));
    } catch {
      return undefined;
    }
  }
}

function record(uncounted: Map<string, Uncounted>, runtime: string, requirement: string, judging: SelectionJudging | undefined): void {
  const entry = uncounted.get(runtime) ?? { declared: new Map<LevelGroup, Set<string>>(), other: new Set<string>() };
  uncounted.set(runtime, entry);
  const req = hasRequirement(requirement) ? requirementById(requirement) : undefined;
  // As the verdict has it: outside the judged release first, then declared.
  const declared = req !== undefined && judging !== undefined && outsideJudgedRelease(req, judging.specVersion) === undefined
    && judging.expectedFailures.some((e) => e.requirement === requirement);
  if (!declared) {
    entry.other.add(requirement);
    return;
  }
  const group = levelGroup(req.level);
  entry.declared.set(group, (entry.declared.get(group) ?? new Set<string>()).add(requirement));
}

/** "11 MUST requirements fail as declared, 1 requirement fails outside the judged spec release". */
function describe(u: Uncounted, judgingKnown: boolean): string {
  const phrase = (n: number, what: string, how: string): string => `${n} ${what}${n === 1 ? '' : 's'} ${n === 1 ? 'fails' : 'fail'} ${how}`;
  const groups: LevelGroup[] = ['must', 'should', 'may'];
  const parts = groups.flatMap((g) => {
    const n = u.declared.get(g)?.size ?? 0;
    return n === 0 ? [] : [phrase(n, `${LEVEL_GROUP_LABEL[g]} requirement`, 'as declared')];
  });
  if (u.other.size > 0) {
    parts.push(phrase(u.other.size, 'requirement', judgingKnown ? 'outside the judged spec release' : 'as declared or outside the judged spec release'));
  }
  return parts.join(', ');
}

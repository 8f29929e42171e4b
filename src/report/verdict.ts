import { requirementById } from '../requirements/catalogue.js';
import { requirementLink, type Requirement } from '../requirements/requirement.js';
import { isSpecRelease, releaseBefore, type SpecRelease } from '../requirements/spec-version.js';
import type { RequirementResult, RuntimeRun, Status, TestOutcome, Verdict } from './compliance.js';

/** What a runtime's requirements are judged against: a spec release, and its declared expected failures. */
export interface Judging {
  /** The spec release judged against; every requirement counts when absent. */
  release?: SpecRelease;
  /** Requirement id → what the declaration says about its failure. */
  expectedFailures?: ReadonlyMap<string, { reason: string; link?: string; intermittent?: boolean }>;
}

/**
 * One requirement's status from its tests: fail if any failed; else error if rtconform's own
 * machinery failed in any (the requirement was not fully checked); else pass if one passed;
 * else skip. The reason is the first failure's, error's or skip's, taking the tests in name order.
 */
export function requirementResult(id: string, unordered: TestOutcome[], judging: Judging = {}): RequirementResult {
  const r = requirementById(id);
  // Files finish in any order, and shards split them: by name, the first failure is always the same.
  const tests = [...unordered].sort((a, b) => a.name.localeCompare(b.name));
  const failed = tests.find((t) => t.status === 'fail');
  const erred = tests.find((t) => t.status === 'error');
  const passed = tests.some((t) => t.status === 'pass');
  const status: Status = failed ? 'fail' : erred ? 'error' : passed ? 'pass' : 'skip';
  const passes = tests.filter((t) => t.status === 'pass');
  const unsupported = status === 'pass' && passes.every((t) => t.unsupported !== undefined) ? passes[0]!.unsupported : undefined;
  const reason = (failed ?? erred)?.reason ?? (status === 'skip' ? tests.find((t) => t.reason)?.reason : unsupported);
  const expectedFailure = judging.expectedFailures?.get(id);
  return {
    requirement: r.id, level: r.level, source: r.source, statement: r.statement, document: r.document,
    // The section in the release judged (or the one the rule is in, when not in that one).
    link: requirementLink(r, judging.release), status,
    ...(reason === undefined ? {} : { reason }),
    verdict: judge(status, r, judging.release, {
      expected: expectedFailure === undefined ? undefined : expectedFailure.intermittent ? 'sometimes' : 'always',
      flaky: tests.some(disagrees),
      unsupported: unsupported !== undefined,
    }),
    since: r.since, ...(r.until === undefined ? {} : { until: r.until }),
    ...(expectedFailure === undefined ? {} : { expectedFailure }),
    tests,
  };
}

/** Whether a rule lies outside the judged release: newer than it, or replaced before it. */
export function outsideJudgedRelease(r: Pick<Requirement, 'since' | 'until'>, judged: SpecRelease | undefined): 'beyond-target' | 'withdrawn' | undefined {
  if (judged === undefined) return undefined;
  if (releaseBefore(judged, r.since)) return 'beyond-target';
  if (r.until !== undefined && releaseBefore(r.until, judged)) return 'withdrawn';
  return undefined;
}

export interface Circumstances {
  /** The declaration lists it as an expected failure: always, or only some of the time (a race). */
  expected?: 'always' | 'sometimes';
  /** Its attempts (--retries) disagreed. */
  flaky?: boolean;
  /** The runtime's own features leave out what it needs, and it refused a config asking for it. */
  unsupported?: boolean;
}

/**
 * How a status counts: a rule outside the judged release is reported but not counted, whatever
 * it came to; a declared failure that happened is expected, one that did not is a surprise.
 */
export function judge(status: Status, r: Pick<Requirement, 'since' | 'until'>, judged: SpecRelease | undefined, c: Circumstances = {}): Verdict {
  const outside = outsideJudgedRelease(r, judged);
  if (outside) return outside;
  if (c.flaky) return 'flaky';
  if (c.expected && status === 'fail') return 'expected-fail';
  // A failure declared intermittent (a race in the runtime) may pass: that is no surprise.
  if (c.expected === 'always' && status === 'pass') return 'unexpected-pass';
  if (c.unsupported) return 'unsupported';
  return status;
}

/** A test whose attempts (--retries) came to different statuses. */
function disagrees(test: TestOutcome): boolean {
  return new Set((test.attempts ?? []).map((a) => a.status)).size > 1;
}

/** Requirement verdicts, sorted by id, from tests grouped by requirement. */
export function requirementResults(byRequirement: Map<string, TestOutcome[]>, judging: Judging = {}): RequirementResult[] {
  return [...byRequirement.entries()].map(([id, tests]) => requirementResult(id, tests, judging))
    .sort((a, b) => a.requirement.localeCompare(b.requirement));
}

/** The verdict of a result; a version 1 report has none, and its status is its verdict. */
export function verdictOf(result: Pick<RequirementResult, 'status' | 'verdict'>): Verdict {
  return result.verdict ?? result.status;
}

/** The judging a run's results were made with, read back from the run (to merge shards). */
export function judgingOf(run: Pick<RuntimeRun, 'judgedAgainst' | 'results'>): Judging {
  const version = run.judgedAgainst?.specVersion;
  return {
    ...(version !== undefined && isSpecRelease(version) ? { release: version } : {}),
    expectedFailures: new Map(run.results.flatMap((r) => (r.expectedFailure ? [[r.requirement, r.expectedFailure] as const] : []))),
  };
}

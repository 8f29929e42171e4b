import { requirementById } from '../requirements/catalogue.js';
import { isMandatory, requirementLink } from '../requirements/requirement.js';
import type { RequirementResult, RuntimeRun, TestOutcome } from './compliance.js';

/**
 * One requirement's verdict from its tests: fail if any failed; else error if rtconform's own
 * machinery failed in any (the requirement was not fully checked); else pass if one passed;
 * else skip. The reason is the first failure's, error's or skip's, taking the tests in name order.
 */
export function requirementResult(id: string, unordered: TestOutcome[]): RequirementResult {
  const r = requirementById(id);
  // Files finish in any order, and shards split them: by name, the first failure is always the same.
  const tests = [...unordered].sort((a, b) => a.name.localeCompare(b.name));
  const failed = tests.find((t) => t.status === 'fail');
  const erred = tests.find((t) => t.status === 'error');
  const passed = tests.some((t) => t.status === 'pass');
  const status: RequirementResult['status'] = failed ? 'fail' : erred ? 'error' : passed ? 'pass' : 'skip';
  const reason = (failed ?? erred)?.reason ?? (status === 'skip' ? tests.find((t) => t.reason)?.reason : undefined);
  return {
    requirement: r.id, level: r.level, source: r.source, statement: r.statement, link: requirementLink(r), status,
    ...(reason === undefined ? {} : { reason }), tests,
  };
}

/** Requirement verdicts, sorted by id, from tests grouped by requirement. */
export function requirementResults(byRequirement: Map<string, TestOutcome[]>): RequirementResult[] {
  return [...byRequirement.entries()].map(([id, tests]) => requirementResult(id, tests))
    .sort((a, b) => a.requirement.localeCompare(b.requirement));
}

export function summarize(results: RequirementResult[]): RuntimeRun['summary'] {
  const count = (s: string): number => results.filter((r) => r.status === s).length;
  return {
    pass: count('pass'), fail: count('fail'), skip: count('skip'), error: count('error'),
    mandatoryFailed: results.filter((r) => r.status === 'fail' && isMandatory(r.level)).length,
  };
}

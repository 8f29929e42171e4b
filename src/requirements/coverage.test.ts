import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RUNTIMES, builtinDeclaration } from '../runtime/declaration.js';
import { catalogue } from './catalogue.js';
import { countByLevel, formatLevelCounts, requirementIdsIn, scanCoverage, suiteFiles } from './coverage.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('coverage from the suites\' source', () => {
  it('reads the requirement id of each requirement( call, in any quote, across lines, but not one built at run time', () => {
    const source = [
      "  requirement('state.id', 'title', async () => {});",
      '  requirement("kill.unknown-id", "title", async () => {});',
      '  requirement(\n    \'delete.removes\',\n    \'title\', async () => {});',
      '  requirement(`hooks.order`, `title`, async () => {});',
      '  requirement(`linux.namespaces.new-${type}`, `title`, async () => {});',
      "  it('a title', async () => {}); split('a', 'b'); await(wait('x', 1)); exit('y', 2);",
      "  expect(requirement).toBe('x');",
    ].join('\n');
    expect(requirementIdsIn(source)).toEqual(['state.id', 'kill.unknown-id', 'delete.removes', 'hooks.order']);
  });

  it('lists suite files relative to the package root', () => {
    const files = suiteFiles(root);
    expect(files).toContain('suites/state/state.test.ts');
    expect(files.every((f) => f.startsWith('suites/') && f.endsWith('.test.ts'))).toBe(true);
  });

  it('maps known ids to the suite files that test them', () => {
    const coverage = scanCoverage(root);
    expect(coverage.get('state.id')).toEqual(['suites/state/state.test.ts']);
    expect(coverage.get('kill.delivers-signal')).toEqual(['suites/lifecycle/kill.test.ts']);
    // Two tests of one requirement in one file count that file once.
    expect(coverage.get('delete.not-stopped')).toEqual(['suites/lifecycle/delete.test.ts']);
  });

  it('counts by level, leaving out levels with no requirement', () => {
    const counts = countByLevel(catalogue.filter((r) => r.id.startsWith('delete.')), (r) => r.id === 'delete.removes');
    expect(formatLevelCounts(counts)).toBe('MUST 1/5, MUST NOT 0/1, MAY 0/1');
  });

  it('every expected failure a built-in declaration lists names a requirement some suite tests', () => {
    // A requirement no test checks can never fail: its entry would silently stop meaning anything.
    const coverage = scanCoverage(root);
    const stale = BUILTIN_RUNTIMES.flatMap((name) => builtinDeclaration(name).expectedFailures
      .filter((e) => !coverage.has(e.requirement))
      .map((e) => `runtimes/${name}.yaml: ${e.requirement}`));
    expect(stale).toEqual([]);
    expect(BUILTIN_RUNTIMES.flatMap((name) => builtinDeclaration(name).expectedFailures).length).toBeGreaterThan(50);
  });
});

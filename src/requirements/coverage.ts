import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { LEVELS, type Level, type Requirement } from './requirement.js';

/**
 * Which requirements the suites test, read from their source: every test inside
 * describeRuntimes is `requirement('<requirement id>', 'title', fn)`. Reading the source instead of
 * loading the suites keeps `rtconform requirements` fast and free of vitest. An id built at
 * run time (a template literal with `${…}`) cannot be read this way and is not counted.
 */
const REQUIREMENT_TEST = /\brequirement\(\s*(['"`])([^'"`$\n]+)\1\s*,/g;

/** Requirement ids named by the `requirement(` calls of one suite file's source, in order, repeats kept. */
export function requirementIdsIn(source: string): string[] {
  return [...source.matchAll(REQUIREMENT_TEST)].map((m) => m[2]!);
}

/** Suite files under `<root>/suites`, relative to root with forward slashes. */
export function suiteFiles(root: string): string[] {
  const dir = join(root, 'suites');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => relative(root, join(dir, f)).split(sep).join('/'))
    .sort();
}

/** Requirement id → the suite files (relative to root) that have a test for it. */
export function scanCoverage(root: string): Map<string, string[]> {
  const covered = new Map<string, string[]>();
  for (const file of suiteFiles(root)) {
    for (const id of new Set(requirementIdsIn(readFileSync(join(root, file), 'utf8')))) {
      covered.set(id, [...(covered.get(id) ?? []), file]);
    }
  }
  return covered;
}

export interface LevelCount {
  level: Level;
  counted: number;
  total: number;
}

/** Per level, how many of the requirements pass `counts`; levels with no requirement left out. */
export function countByLevel(requirements: readonly Requirement[], counts: (r: Requirement) => boolean): LevelCount[] {
  return LEVELS.map((level) => {
    const atLevel = requirements.filter((r) => r.level === level);
    return { level, counted: atLevel.filter(counts).length, total: atLevel.length };
  }).filter((c) => c.total > 0);
}

/** "MUST 30/80, MUST NOT 2/5, …" */
export function formatLevelCounts(counts: readonly LevelCount[]): string {
  return counts.map((c) => `${c.level} ${c.counted}/${c.total}`).join(', ');
}

import { parseArgs } from 'node:util';
import { catalogue, documentOf } from '../requirements/catalogue.js';
import { countByLevel, formatLevelCounts, scanCoverage } from '../requirements/coverage.js';
import { requirementLink, type Requirement } from '../requirements/requirement.js';
import { packageRoot } from '../package-root.js';

export interface ListedRequirement extends Requirement {
  link: string;
  /** Suite files with a test of it, relative to the package root; empty when none. */
  coveredBy: string[];
}

/** `rtconform requirements [--uncovered] [--json]`: the catalogue with where each is tested. */
export function requirementsCommand(args: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): number {
  const { values } = parseArgs({ args, options: { uncovered: { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
  const coverage = scanCoverage(packageRoot());
  const all: ListedRequirement[] = catalogue.map((r) => ({ ...r, link: requirementLink(r), coveredBy: coverage.get(r.id) ?? [] }));
  const listed = values.uncovered ? all.filter((r) => r.coveredBy.length === 0) : all;
  const byLevel = countByLevel(catalogue, (r) => coverage.has(r.id));
  const covered = all.filter((r) => r.coveredBy.length > 0).length;
  // Suites are written against ids that may not be in the catalogue yet: say so, as loading them would fail.
  const known = new Set(catalogue.map((r) => r.id));
  const unknown = [...coverage.entries()].filter(([id]) => !known.has(id)).map(([id, files]) => ({ id, files }));

  if (values.json) {
    const coverageJson = { byLevel: byLevel.map((c) => ({ level: c.level, covered: c.counted, total: c.total })), covered, total: all.length };
    out.write(JSON.stringify({ requirements: listed, coverage: coverageJson, unknownIds: unknown }, null, 2) + '\n');
    return 0;
  }
  const lines: string[] = [];
  for (const document of [...new Set(all.map(documentOf))]) {
    const inDocument = all.filter((r) => documentOf(r) === document);
    const shown = listed.filter((r) => documentOf(r) === document);
    if (shown.length === 0) continue;
    const coveredHere = inDocument.filter((r) => r.coveredBy.length > 0).length;
    lines.push(`${document}: ${inDocument.length} requirements, ${coveredHere} covered`);
    for (const r of shown) {
      const where = r.coveredBy.length > 0 ? `covered by ${r.coveredBy.join(', ')}` : 'not covered';
      const releases = `spec ${r.since}${r.until === undefined ? '+' : `–${r.until}`}`;
      lines.push(`  ${r.level.padEnd(11)}${r.id} — ${r.statement}`, `  ${''.padEnd(11)}${releases} · ${where} · ${r.link}`);
    }
    lines.push('');
  }
  lines.push(`coverage: ${formatLevelCounts(byLevel)} covered; total ${covered}/${all.length}`);
  out.write(lines.join('\n') + '\n');
  for (const { id, files } of unknown) err.write(`rtconform: ${files.join(', ')} names "${id}", which is not in the catalogue\n`);
  return 0;
}

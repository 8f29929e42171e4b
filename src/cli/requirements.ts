import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { catalogue, documentOf } from '../requirements/catalogue.js';
import { SHARED_DEVIATIONS, type SharedDeviation } from '../requirements/catalogue/shared-deviations.js';
import { countByLevel, formatLevelCounts, scanCoverage } from '../requirements/coverage.js';
import { LEVELS, requirementLink, type Level, type Requirement } from '../requirements/requirement.js';
import type { ComplianceReport, RequirementResult, Status, Verdict } from '../report/compliance.js';
import { runLabel } from '../report/render/matrix.js';
import { briefReason } from '../report/render/text.js';
import { verdictOf } from '../report/verdict.js';
import { packageRoot } from '../package-root.js';
import { firstLine, visibleText } from '../util/text.js';
import { HarnessError } from './harness-error.js';
import { readComplianceReport } from './read-report.js';

export interface ListedRequirement extends Requirement {
  link: string;
  /** Suite files with a test of it, relative to the package root; empty when none. */
  coveredBy: string[];
}

/**
 * `rtconform requirements [--uncovered] [--json]`: the catalogue with where each is tested.
 * `rtconform requirements --never-passed REPORT… [--json]`: what no run of those reports passed.
 */
export async function requirementsCommand(args: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const { values, positionals } = parseArgs({
    args, options: { uncovered: { type: 'boolean' }, json: { type: 'boolean' }, 'never-passed': { type: 'boolean' } }, allowPositionals: true, strict: true,
  });
  if (values['never-passed']) {
    if (values.uncovered) throw new HarnessError('--never-passed and --uncovered list different things: give one');
    if (positionals.length === 0) throw new HarnessError('--never-passed wants one or more reports: rtconform requirements --never-passed a/compliance.json b/compliance.json');
    const files = positionals.map((p) => (existsSync(p) && statSync(p).isDirectory() ? join(p, 'compliance.json') : p));
    const reports = await Promise.all(files.map(async (path) => ({ path, report: await readComplianceReport(path) })));
    const found = neverPassed(reports);
    // Runtime names, statements and reasons come from the reports: their control characters are written out.
    out.write(visibleText(values.json ? JSON.stringify(found, null, 2) + '\n' : formatNeverPassed(found)));
    return 0;
  }
  if (positionals.length > 0) throw new HarnessError(`requirements reads reports only with --never-passed, got ${positionals.map((p) => `"${p}"`).join(', ')}`);
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

/**
 * How the requirements no run passed are grouped: every run failed it (a failure its declaration
 * names too), skipped it (or refused it as unsupported by its own features), or judged it
 * outside its spec release; or the runs disagree (or erred, or were flaky).
 */
export const NEVER_PASSED_GROUPS = ['failing', 'skipped', 'outside', 'mixed'] as const;
export type NeverPassedGroup = (typeof NEVER_PASSED_GROUPS)[number];

const GROUP_TITLE: Record<NeverPassedGroup, string> = {
  failing: 'failing everywhere (or failing as declared)',
  skipped: 'skipped everywhere',
  outside: 'outside every judged spec release',
  mixed: 'mixed',
};

const GROUP_OF: Partial<Record<Verdict, NeverPassedGroup>> = {
  fail: 'failing', 'expected-fail': 'failing', skip: 'skipped', unsupported: 'skipped', 'beyond-target': 'outside', withdrawn: 'outside',
};

/** One run of one of the reports read. */
export interface ReportRun {
  /** How the lists name it: its column label, and the report's path where two runs would read the same. */
  label: string;
  report: string;
  runtime: string;
  version: string | null;
  judgedAgainst: string | null;
}

/** One run's verdict on a requirement no run passed. */
export interface RunVerdict {
  run: string;
  verdict: Verdict;
  status: Status;
  /** Why it failed, erred or was skipped: the first line, shortened. */
  reason?: string;
  /** For a failure its declaration names: the declaration's reason, shortened. */
  declared?: string;
}

export interface NeverPassedRequirement {
  requirement: string;
  level: Level;
  statement: string;
  /** As the first run with a result has it: the section in that run's judged release. */
  link: string;
  since?: string;
  until?: string;
  group: NeverPassedGroup;
  /** Every run with a result for it, in the order of the reports and their runs. */
  runs: RunVerdict[];
  /** Runs with no result for it (a suite left out, an older catalogue). */
  notRunIn: string[];
  /** Where every runtime judged deviates the same way: the catalogue's note (src/requirements/catalogue/shared-deviations.ts). */
  sharedDeviation?: SharedDeviation;
}

export interface NeverPassed {
  reports: string[];
  runs: ReportRun[];
  requirements: NeverPassedRequirement[];
}

/** How long a reason may be in these lists: one line of a terminal, more or less. */
const brief = (text: string | undefined): string | undefined => (text === undefined || firstLine(text) === '' ? undefined : briefReason(text));

/** A result a run passed: the runtime did what the rule says (a rule outside its judged release too), not refused nor flaky. */
function passed(result: RequirementResult): boolean {
  const verdict = verdictOf(result);
  return result.status === 'pass' && verdict !== 'unsupported' && verdict !== 'flaky';
}

/**
 * The requirements that no run of any of the reports passed, each with every run's verdict and
 * reason, grouped (NEVER_PASSED_GROUPS) and, in a group, by level then id. A requirement no run
 * has a result for is not listed: nothing tried it.
 */
export function neverPassed(reports: readonly { path: string; report: Pick<ComplianceReport, 'runs'> }[]): NeverPassed {
  const runs = reports.flatMap(({ path, report }) => report.runs.map((run) => ({ path, run, label: runLabel(run) })));
  // Two runs that read the same (runc in a.json and in b.json) are told apart by their report, then by their place.
  const twice = (labels: string[], i: number): boolean => labels.filter((l) => l === labels[i]).length > 1;
  const base = runs.map((r) => r.label);
  const withPath = runs.map((r, i) => (twice(base, i) ? `${base[i]} (${r.path})` : base[i]!));
  runs.forEach((r, i) => {
    r.label = twice(withPath, i) ? `${withPath[i]} #${i + 1}` : withPath[i]!;
  });

  const byId = new Map<string, { first: RequirementResult; results: Map<string, RequirementResult> }>();
  for (const { run, label } of runs) {
    for (const result of run.results) {
      const entry = byId.get(result.requirement) ?? { first: result, results: new Map<string, RequirementResult>() };
      entry.results.set(label, result);
      byId.set(result.requirement, entry);
    }
  }
  const listed: NeverPassedRequirement[] = [];
  for (const [id, { first, results }] of byId) {
    if ([...results.values()].some(passed)) continue;
    const verdicts = runs.flatMap(({ label }) => {
      const result = results.get(label);
      if (result === undefined) return [];
      const reason = brief(result.reason);
      const declared = verdictOf(result) === 'expected-fail' ? brief(result.expectedFailure?.reason) : undefined;
      return [{ run: label, verdict: verdictOf(result), status: result.status, ...(reason === undefined ? {} : { reason }), ...(declared === undefined ? {} : { declared }) }];
    });
    const groups = new Set(verdicts.map((v) => GROUP_OF[v.verdict] ?? 'mixed'));
    listed.push({
      requirement: id, level: first.level, statement: first.statement, link: first.link,
      ...(first.since === undefined ? {} : { since: first.since }), ...(first.until === undefined ? {} : { until: first.until }),
      group: groups.size === 1 ? [...groups][0]! : 'mixed',
      runs: verdicts,
      notRunIn: runs.filter(({ label }) => !results.has(label)).map(({ label }) => label),
      ...(SHARED_DEVIATIONS[id] === undefined ? {} : { sharedDeviation: SHARED_DEVIATIONS[id] }),
    });
  }
  listed.sort((a, b) => NEVER_PASSED_GROUPS.indexOf(a.group) - NEVER_PASSED_GROUPS.indexOf(b.group)
    || LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || a.requirement.localeCompare(b.requirement));
  return {
    reports: reports.map((r) => r.path),
    runs: runs.map(({ path, run, label }) => ({
      label, report: path, runtime: run.runtime.key, version: run.runtime.version, judgedAgainst: run.judgedAgainst?.specVersion ?? null,
    })),
    requirements: listed,
  };
}

const VERDICT_TEXT: Record<Verdict, string> = {
  pass: 'pass', fail: 'fail', skip: 'skip', error: 'error (rtconform\'s own)', unsupported: 'unsupported (refused)', flaky: 'flaky',
  'expected-fail': 'fails as declared', 'unexpected-pass': 'passes, declared to fail', 'beyond-target': 'newer than judged', withdrawn: 'replaced before judged',
};

/** The lists as text: the runs read, then each group with each requirement and every run's verdict and reason. */
export function formatNeverPassed(found: NeverPassed): string {
  const reports = found.reports.length === 1 ? '1 report' : `${found.reports.length} reports`;
  const runCount = found.runs.length === 1 ? '1 run' : `${found.runs.length} runs`;
  const lines = [`requirements no run passed: ${found.requirements.length}, in ${reports} (${runCount})`];
  for (const run of found.runs) lines.push(`  ${run.label}: ${run.report}${run.judgedAgainst === null ? '' : `, judged against spec ${run.judgedAgainst}`}`);
  if (found.requirements.length === 0) lines.push('', 'every requirement in these reports passed in at least one run');
  const width = Math.max(0, ...found.runs.map((r) => r.label.length));
  for (const group of NEVER_PASSED_GROUPS) {
    const inGroup = found.requirements.filter((r) => r.group === group);
    if (inGroup.length === 0) continue;
    lines.push('', `${GROUP_TITLE[group]}: ${inGroup.length}`);
    for (const r of inGroup) {
      const releases = r.since === undefined ? '' : ` (spec ${r.since}${r.until === undefined ? '+' : `–${r.until}`})`;
      lines.push(`  ${r.level.padEnd(11)}${r.requirement} — ${r.statement}${releases}`);
      for (const v of r.runs) {
        const why = [v.reason, v.declared === undefined ? undefined : `declared: ${v.declared}`].filter((s) => s !== undefined).join('; ');
        const came = v.verdict === 'beyond-target' || v.verdict === 'withdrawn' ? ` (came to ${v.status})` : '';
        lines.push(`  ${''.padEnd(11)}${v.run.padEnd(width)}  ${VERDICT_TEXT[v.verdict]}${came}${why === '' ? '' : ` — ${why}`}`);
      }
      if (r.notRunIn.length > 0) lines.push(`  ${''.padEnd(11)}not run in ${r.notRunIn.join(', ')}`);
      if (r.sharedDeviation) lines.push(`  ${''.padEnd(11)}every runtime deviates: ${r.sharedDeviation.runtimes}`, `  ${''.padEnd(11)}the rule: ${r.sharedDeviation.spec}`);
    }
  }
  return lines.join('\n') + '\n';
}

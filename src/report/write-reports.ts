import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prettifyError } from 'zod';
import { ComplianceReportSchema, RequirementResultSchema, type ComplianceReport } from './compliance.js';
import { reasonText } from './outcome.js';
import { renderHtml } from './render/html.js';
import { renderJunit } from './render/junit.js';
import { renderMarkdown } from './render/markdown.js';
import { summarize } from './score.js';

/** The files a run (or `rtconform report`) writes, by format. */
export const REPORT_FILES = {
  json: 'compliance.json',
  markdown: 'compliance.md',
  junit: 'junit.xml',
  html: 'compliance.html',
} as const;

const RENDERERS: Record<Exclude<keyof typeof REPORT_FILES, 'json'>, (report: ComplianceReport) => string> = {
  markdown: renderMarkdown,
  junit: renderJunit,
  html: renderHtml,
};

/**
 * The report with every result that breaks the schema replaced by an `error` result saying
 * why: one bad result is recorded on that result, it never costs the whole report.
 */
export function fitToSchema(report: ComplianceReport): ComplianceReport {
  if (ComplianceReportSchema.safeParse(report).success) return report;
  const runs = report.runs.map((run) => {
    const results = run.results.map((result) => {
      const checked = RequirementResultSchema.safeParse(result);
      if (checked.success) return result;
      return {
        requirement: String(result.requirement), level: result.level, source: result.source, statement: String(result.statement),
        link: String(result.link), status: 'error' as const, tests: [],
        reason: reasonText(`rtconform could not record this result (a bug of ours): ${prettifyError(checked.error)}`),
      };
    });
    return { ...run, results, summary: summarize(results) };
  });
  const fitted = { ...report, runs };
  const checked = ComplianceReportSchema.safeParse(fitted);
  // What is left is the frame of the report itself, which only our own code fills in.
  if (!checked.success) throw new Error(`rtconform made a compliance report that breaks its schema: ${prettifyError(checked.error)}`);
  return fitted;
}

/**
 * Writes a file whole or not at all: beside it, then renamed into place. A reader, or a kill,
 * never sees half a file, and a symlink standing at `path` is replaced, never written through.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  // Its own name each time (writes of one process may overlap); wx: never through a planted link.
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { flag: 'wx' });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Writes compliance.json alone; returns its path. */
export async function writeJsonReport(report: ComplianceReport, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, REPORT_FILES.json);
  await writeAtomically(path, JSON.stringify(fitToSchema(report), null, 2) + '\n');
  return path;
}

/**
 * Writes the report in every format into `outDir`; returns the paths written. compliance.json
 * comes first: a renderer that fails says so and costs only its own file.
 */
export async function writeReports(report: ComplianceReport, outDir: string): Promise<string[]> {
  const fitted = fitToSchema(report);
  const written = [await writeJsonReport(fitted, outDir)];
  for (const [format, render] of Object.entries(RENDERERS) as [keyof typeof RENDERERS, (r: ComplianceReport) => string][]) {
    const path = join(outDir, REPORT_FILES[format]);
    try {
      await writeAtomically(path, render(fitted));
      written.push(path);
    } catch (error) {
      process.stderr.write(`rtconform: could not write ${path}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  return written;
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ComplianceReportSchema, type ComplianceReport } from './compliance.js';
import { renderHtml } from './render/html.js';
import { renderJunit } from './render/junit.js';
import { renderMarkdown } from './render/markdown.js';

/** The files a run (or `rtconform report`) writes, by format. */
export const REPORT_FILES = {
  json: 'compliance.json',
  markdown: 'compliance.md',
  junit: 'junit.xml',
  html: 'compliance.html',
} as const;

/** Writes the report in every format into `outDir`; returns the paths written. */
export async function writeReports(report: ComplianceReport, outDir: string): Promise<string[]> {
  // What we publish must read back: a report breaking its own schema is our bug, said loudly.
  const checked = ComplianceReportSchema.safeParse(report);
  if (!checked.success) throw new Error(`rtconform made a compliance report that breaks its schema: ${checked.error.message}`);
  await mkdir(outDir, { recursive: true });
  const contents: Record<keyof typeof REPORT_FILES, string> = {
    json: JSON.stringify(report, null, 2) + '\n',
    markdown: renderMarkdown(report),
    junit: renderJunit(report),
    html: renderHtml(report),
  };
  const written: string[] = [];
  for (const [format, name] of Object.entries(REPORT_FILES) as [keyof typeof REPORT_FILES, string][]) {
    const path = join(outDir, name);
    await writeFile(path, contents[format]);
    written.push(path);
  }
  return written;
}

import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mergeReports, MergeError } from '../report/merge.js';
import { generateAllure } from '../report/allure.js';
import { writeReports } from '../report/write-reports.js';
import { HarnessError } from './harness-error.js';
import { claimOutDir } from './out-dir.js';
import { readComplianceReport } from './read-report.js';
import { visibleText } from '../util/text.js';

/**
 * `rtconform report [--out DIR] [--allure] [REPORT…]`: one report, in every format, from one
 * or more compliance.json files or the directories runs wrote (one per runtime, or shards).
 */
export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, options: { out: { type: 'string' }, allure: { type: 'boolean' }, force: { type: 'boolean' } }, allowPositionals: true, strict: true,
  });
  const inputs = (positionals.length > 0 ? positionals : ['reports/latest']).map((p) => resolve(p));
  const files = inputs.map((p) => (existsSync(p) && statSync(p).isDirectory() ? join(p, 'compliance.json') : p));
  const reports = await Promise.all(files.map((f) => readComplianceReport(f)));
  let report;
  try {
    report = mergeReports(reports, files);
  } catch (error) {
    if (error instanceof MergeError) throw new HarnessError(error.message);
    throw error;
  }
  const outDir = await claimOutDir(values.out ?? dirname(files[0]!), { force: values.force });
  for (const path of await writeReports(report, outDir)) process.stdout.write(`${visibleText(path)}\n`);
  if (values.allure) {
    const results = files.map((f) => join(dirname(f), 'allure-results')).filter((d) => existsSync(d));
    if (results.length === 0) throw new HarnessError(`no allure-results beside ${files.join(', ')}: they are written by rtconform run`);
    process.stdout.write(`${visibleText(await generateAllure(results, join(outDir, 'allure-report')))}\n`);
  }
  return 0;
}

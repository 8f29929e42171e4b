import { parseArgs } from 'node:util';
import { compareReports, formatComparison, type Comparison } from '../report/comparison.js';
import type { ComplianceReport } from '../report/compliance.js';
import { visibleText } from '../util/text.js';
import { HarnessError } from './harness-error.js';
import { readComplianceReport } from './read-report.js';

/** `rtconform compare OLD.json NEW.json [--json]`: exit 1 on a MUST regression. */
export async function compareCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 2) throw new HarnessError('compare wants two reports: rtconform compare OLD.json NEW.json');
  const [old, next] = await Promise.all(positionals.map((p) => readComplianceReport(p)));
  const comparison = compareReports(old!, next!);
  // Runtime names, statements and reasons come from the reports: their control characters are
  // written out. JSON.stringify leaves DEL and C1 raw; written as \u0085 they read back the same.
  process.stdout.write(visibleText(values.json ? JSON.stringify(comparison, null, 2) + '\n' : formatComparison(comparison)));
  return gateExitCode(comparison);
}

export const gateExitCode = (comparison: Comparison): number => (comparison.mandatoryRegressions.length > 0 ? 1 : 0);

/** After a run with --baseline: what changed, and the exit code the gate gives. */
export function baselineGate(baseline: ComplianceReport, baselinePath: string, report: ComplianceReport): number {
  const comparison = compareReports(baseline, report);
  process.stdout.write(visibleText(`\nAgainst the baseline ${baselinePath}:\n${formatComparison(comparison)}`));
  return gateExitCode(comparison);
}

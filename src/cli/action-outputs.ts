import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComplianceReport } from '../report/compliance.js';
import { reportHeadline } from '../report/render/text.js';
import { scoreRun, type RunScore } from '../report/score.js';
import { visibleText } from '../util/text.js';
import { readComplianceReport } from './read-report.js';

/**
 * The GitHub Action's outputs that come from the report (scripts/github-action.sh sets the
 * rest): the headline every format gives, and the failures by level, counted and declared, summed
 * over the runs. `verdict` stays what the exit code says (a failure the declaration names does
 * not fail the run); these say what it does not.
 */
export function actionOutputs(report: Pick<ComplianceReport, 'runs'>): Record<string, string> {
  const scores = report.runs.map(scoreRun);
  const sum = (count: (s: RunScore) => number): string => String(scores.reduce((n, s) => n + count(s), 0));
  return {
    headline: reportHeadline(report),
    'must-failed': sum((s) => s.must.failed),
    'must-failing-as-declared': sum((s) => s.must.expectedFailures),
    'should-failed': sum((s) => s.should.failed),
    'should-failing-as-declared': sum((s) => s.should.expectedFailures),
  };
}

/** name=value lines for $GITHUB_OUTPUT: one line each, whatever a runtime's key holds. */
export function formatActionOutputs(outputs: Record<string, string>): string {
  return Object.entries(outputs).map(([name, value]) => `${name}=${visibleText(value).replace(/\s*\n\s*/g, ' ')}\n`).join('');
}

// `node dist/src/cli/action-outputs.js compliance.json`: the outputs, for the action's script.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  readComplianceReport(process.argv[2] ?? 'compliance.json').then(
    (report) => process.stdout.write(formatActionOutputs(actionOutputs(report))),
    (error: unknown) => {
      process.stderr.write(`rtconform action: ${visibleText(error instanceof Error ? error.message : String(error))}\n`);
      process.exitCode = 2;
    },
  );
}

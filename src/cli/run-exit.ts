import type { ComplianceReport } from '../report/compliance.js';
import { verdictExitCode } from '../report/score.js';
import { visibleText } from '../util/text.js';
import { baselineGate } from './compare.js';
import { HarnessError } from './harness-error.js';
import { printSummary } from './summary.js';

/** What decides a finished run's exit, besides its report. */
export interface RunEnd {
  outDir: string;
  quiet: boolean;
  interrupted: boolean;
  /** An earlier report given with --baseline, and its path. */
  baseline?: { report: ComplianceReport; path: string };
}

/**
 * The one way out of `rtconform run`, on one engine or several: the summary and the report's
 * note, then the exit code: 130 when interrupted, 2 when the note says part of the run is
 * missing, the baseline's gate where one was given, else the verdicts' (1 when a MUST failed).
 */
export function runExitCode(report: ComplianceReport | undefined, end: RunEnd): number {
  // No runs, not interrupted: the global setup failed (a runtime missing from the image, a target that would not start).
  if (!end.interrupted && (report === undefined || report.runs.length === 0)) throw new HarnessError('the run ended without results (see the errors above)');
  if (report) {
    printSummary(report, end.outDir, { countsOnly: end.quiet });
    if (report.note !== undefined) process.stderr.write(`rtconform: ${visibleText(report.note)}\n`);
  }
  if (end.interrupted) {
    process.stderr.write('rtconform: the run was interrupted; nothing of it is left on this machine\n');
    return 130;
  }
  if (report!.note !== undefined) return 2;
  if (end.baseline) return baselineGate(end.baseline.report, end.baseline.path, report!);
  return verdictExitCode(report!);
}

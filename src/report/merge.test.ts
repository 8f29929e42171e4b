import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema, type ComplianceReport, type RuntimeRun } from './compliance.js';
import { mergeReports, MergeError } from './merge.js';

const sample = ComplianceReportSchema.parse(JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'two-runtimes.json'), 'utf8')));

/** The report cut in two, as two shards would write it: some tests in one, the rest in the other. */
function shards(report: ComplianceReport): [ComplianceReport, ComplianceReport] {
  const half = (run: RuntimeRun, keep: number): RuntimeRun => ({
    ...run,
    results: run.results.flatMap((r, i) => {
      const tests = r.tests.filter((_, j) => (i + j) % 2 === keep);
      return tests.length === 0 ? [] : [{ ...r, tests }];
    }),
  });
  return [
    { ...report, finishedAt: report.startedAt, runs: report.runs.map((r) => half(r, 0)) },
    { ...report, startedAt: report.finishedAt, runs: report.runs.map((r) => half(r, 1)) },
  ];
}

const verdicts = (report: ComplianceReport): Record<string, string> =>
  Object.fromEntries(report.runs.flatMap((run) => run.results.map((r) => [`${run.runtime.key} ${r.requirement}`, `${r.status} ${r.reason ?? ''}`])));

describe('mergeReports', () => {
  it('joins shards of one run into the verdicts of the whole', () => {
    const merged = mergeReports(shards(sample));
    expect(verdicts(merged)).toEqual(verdicts(sample));
    expect(merged.runs.map((r) => r.summary)).toEqual(sample.runs.map((r) => r.summary));
    expect(ComplianceReportSchema.safeParse(merged).success).toBe(true);
  });

  it('puts reports of different runtimes side by side', () => {
    const [fake, runc] = sample.runs;
    const merged = mergeReports([{ ...sample, runs: [fake!] }, { ...sample, runs: [runc!] }]);
    expect(merged.runs.map((r) => r.runtime.key)).toEqual(sample.runs.map((r) => r.runtime.key));
  });

  it('refuses to join two different runtimes under one key, naming both', () => {
    const other = structuredClone(sample);
    other.runs[0]!.runtime.version = '9.9.9';
    expect(() => mergeReports([sample, other], ['a.json', 'b.json'])).toThrow(MergeError);
    expect(() => mergeReports([sample, other], ['a.json', 'b.json'])).toThrow(/in b\.json .*9\.9\.9.*is not the runtime of a\.json/);
  });
});

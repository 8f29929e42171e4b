import { readFile } from 'node:fs/promises';
import { prettifyError } from 'zod';
import { HarnessError } from './harness-error.js';
import { ComplianceReportSchema, type ComplianceReport } from '../report/compliance.js';

/** Reads a compliance.json, or says exactly why it cannot: missing, not JSON, not our schema. */
export async function readComplianceReport(path: string): Promise<ComplianceReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new HarnessError(`cannot read the report ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HarnessError(`${path} is not JSON (${(error as Error).message}): give the compliance.json an rtconform run wrote`);
  }
  const parsed = ComplianceReportSchema.safeParse(json);
  if (!parsed.success) {
    throw new HarnessError(`${path} is not an rtconform compliance report (docs/compliance-json.md):\n${prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

import { prettifyError } from 'zod';
import { HarnessError } from './harness-error.js';
import { ComplianceReportSchema, type ComplianceReport } from '../report/compliance.js';
import { FileRefusedError, readBoundedText } from '../util/bounded-file.js';

/**
 * The most a compliance.json rtconform reads back may hold. A whole run of every suite on
 * several runtimes writes a few hundred KB to a few MB, and each reason and piece of evidence in
 * it is capped (report/outcome.ts: 16 KiB, 8 KiB): all 240-odd requirements failing with the
 * longest reason and evidence come to about 8 MiB per runtime. 64 MiB leaves room for several
 * runtimes merged and for a catalogue that grows, and still bounds what a wrong path (a FIFO,
 * /dev/zero, a disk image) can cost.
 */
export const REPORT_MAX_BYTES = 64 * 1024 * 1024;

/** A compliance.json rtconform wrote (its own, a share's, a merged one), read bounded; a report too big or not a regular file is refused. */
export function readReportText(path: string): Promise<string> {
  return readBoundedText(path, { maxBytes: REPORT_MAX_BYTES, what: 'a compliance report', tooBigAdvice: 'give the compliance.json an rtconform run wrote' });
}

/** Reads a compliance.json, or says exactly why it cannot: missing, not JSON, not our schema. */
export async function readComplianceReport(path: string): Promise<ComplianceReport> {
  let text: string;
  try {
    text = await readReportText(path);
  } catch (error) {
    if (error instanceof FileRefusedError) throw new HarnessError(error.message);
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

/**
 * The report a run of ours wrote at `path`, or undefined where there is none to read: a run
 * that was killed, or failed before its reporter wrote, leaves none or half of one.
 */
export function readOwnReport(path: string): Promise<ComplianceReport | undefined> {
  return readReportText(path).then((text) => ComplianceReportSchema.parse(JSON.parse(text)), () => undefined);
}

import { toJsonSchema } from '../util/json-schema.js';
import { ComplianceReportSchema } from './compliance.js';

/** Where the JSON Schema of compliance.json lives in the repository. */
export const JSON_SCHEMA_PATH = 'docs/compliance.schema.json';

/**
 * compliance.json as a JSON Schema (draft 2020-12), for readers in other languages. Made from
 * the zod schema rtconform itself validates with, so the two cannot disagree.
 */
export function complianceJsonSchema(): Record<string, unknown> {
  return toJsonSchema(ComplianceReportSchema, 'rtconform compliance report (compliance.json)',
    'Per-requirement verdicts of OCI runtime conformance runs; see docs/compliance-json.md.');
}

// Writes docs/compliance.schema.json from the zod schema (after `npm run build`).
import process from 'node:process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { complianceJsonSchema, JSON_SCHEMA_PATH } from '../dist/src/report/json-schema.js';
import { packageRoot } from '../dist/src/runtime/resolve.js';

writeFileSync(join(packageRoot(), JSON_SCHEMA_PATH), JSON.stringify(complianceJsonSchema(), null, 2) + '\n');
process.stdout.write(`${JSON_SCHEMA_PATH}\n`);

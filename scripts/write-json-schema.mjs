// Writes the JSON Schemas in docs/ from the zod schemas (after `npm run build`):
// compliance.json's, and a runtime declaration's.
import process from 'node:process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { complianceJsonSchema, JSON_SCHEMA_PATH } from '../dist/src/report/json-schema.js';
import { declarationJsonSchema, DECLARATION_SCHEMA_PATH } from '../dist/src/runtime/declaration.js';
import { packageRoot } from '../dist/src/package-root.js';

for (const [path, schema] of [[JSON_SCHEMA_PATH, complianceJsonSchema()], [DECLARATION_SCHEMA_PATH, declarationJsonSchema()]]) {
  writeFileSync(join(packageRoot(), path), JSON.stringify(schema, null, 2) + '\n');
  process.stdout.write(`${path}\n`);
}

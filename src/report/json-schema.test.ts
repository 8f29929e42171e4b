import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { complianceJsonSchema, JSON_SCHEMA_PATH } from './json-schema.js';

describe('the JSON Schema of compliance.json', () => {
  it('is the one in docs/, made from the zod schema (regenerate: npm run schema)', () => {
    const checkedIn = JSON.parse(readFileSync(join(packageRoot(), JSON_SCHEMA_PATH), 'utf8')) as unknown;
    expect(checkedIn).toEqual(complianceJsonSchema());
  });

  it('requires what every reader relies on', () => {
    const schema = complianceJsonSchema() as { required: string[]; properties: { schemaVersion: { anyOf: { const: number }[] } } };
    expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'tool', 'runs', 'interrupted']));
    expect(schema.properties.schemaVersion.anyOf.map((v) => v.const)).toEqual([1, 2]);
  });
});

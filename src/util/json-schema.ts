import { z } from 'zod';

/** A zod schema as a JSON Schema (draft 2020-12) with a title, for readers in other languages and editors. */
export function toJsonSchema(schema: z.ZodType, title: string, description: string): Record<string, unknown> {
  return { ...z.toJSONSchema(schema), title, description };
}

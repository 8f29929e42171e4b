import { z } from 'zod';
import { LEVELS } from '../requirements/requirement.js';

/**
 * What a test or a requirement came to. `error` is rtconform's own machinery failing (a fixture
 * not built, a probe output that does not parse, a bug): no verdict on the runtime either way.
 */
export const STATUSES = ['pass', 'fail', 'skip', 'error'] as const;
export type Status = (typeof STATUSES)[number];

/** The schema version written now; readers also take version 1 (no `error` status then). */
export const SCHEMA_VERSION = 2;

/** compliance.json, as documented in docs/compliance-json.md. Bump schemaVersion on any break. */
export const TestOutcomeSchema = z.object({
  name: z.string(),
  status: z.enum(STATUSES),
  durationMs: z.number(),
  reason: z.string().optional(),
  /** A failed comparison's two sides, as the assertion printed them. */
  expected: z.string().optional(),
  actual: z.string().optional(),
});

export const RequirementResultSchema = z.object({
  requirement: z.string(),
  level: z.enum(LEVELS),
  source: z.enum(['runtime-spec', 'runc-cli']),
  statement: z.string(),
  link: z.string(),
  status: z.enum(STATUSES),
  /** Why it failed (the first failing test's error), erred or was skipped. */
  reason: z.string().optional(),
  tests: z.array(TestOutcomeSchema),
});

export const RuntimeRunSchema = z.object({
  runtime: z.object({ key: z.string(), name: z.string(), path: z.string().nullable(), version: z.string().nullable(), spec: z.string().nullable() }),
  target: z.object({
    kind: z.enum(['host', 'container']),
    description: z.string(),
    /** Container targets: the image, how the container saw cgroups, and how it was privileged. */
    image: z.string().optional(),
    cgroupView: z.enum(['host', 'private']).optional(),
    privilege: z.enum(['privileged', 'capabilities']).optional(),
  }),
  summary: z.object({ pass: z.number(), fail: z.number(), skip: z.number(), error: z.number().default(0), mandatoryFailed: z.number() }),
  results: z.array(RequirementResultSchema),
});

export const ComplianceReportSchema = z.object({
  schemaVersion: z.union([z.literal(1), z.literal(SCHEMA_VERSION)]),
  tool: z.object({ name: z.literal('rtconform'), version: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  /** True when the run was interrupted or cut short: results are partial. */
  interrupted: z.boolean(),
  /** Why the results are partial, when they are: written mid-run, the test process died, … */
  note: z.string().optional(),
  runs: z.array(RuntimeRunSchema),
});

export type ComplianceReport = z.infer<typeof ComplianceReportSchema>;
export type RuntimeRun = z.infer<typeof RuntimeRunSchema>;
export type RequirementResult = z.infer<typeof RequirementResultSchema>;
export type TestOutcome = z.infer<typeof TestOutcomeSchema>;

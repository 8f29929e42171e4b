import { z } from 'zod';
import { LEVELS } from '../requirements/requirement.js';

/**
 * What a test or a requirement came to. `error` is rtconform's own machinery failing (a fixture
 * not built, a probe output that does not parse, a bug): no verdict on the runtime either way.
 */
export const STATUSES = ['pass', 'fail', 'skip', 'error'] as const;
export type Status = (typeof STATUSES)[number];

/**
 * How a requirement counts for a runtime, from its status and what the run judged against:
 * the four statuses as they are; `expected-fail` a failure its declaration names (not counted
 * against it); `unexpected-pass` a pass of a requirement its declaration says it breaks (the
 * declaration is out of date: the run fails); `flaky` a requirement whose attempts (--retries)
 * disagree, each attempt's reason kept; `unsupported` a requirement the runtime's own features
 * say it lacks, and it refused a config asking for it; `beyond-target` a rule newer than the spec version
 * judged, and `withdrawn` one a release before it replaced: run and reported, not counted.
 */
// `beyond-target` (and a summary's `outsideTarget`) keep the names reports already carry, read
// back by `compare`, `--baseline` and `report`: there "target" is the spec release judged
// against. In the code that release is the judged release, and a target is where a runtime runs.
export const VERDICTS = [...STATUSES, 'unsupported', 'flaky', 'expected-fail', 'unexpected-pass', 'beyond-target', 'withdrawn'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The schema version written now; readers also take version 1 (no `error` status then). */
export const SCHEMA_VERSION = 2;

/** compliance.json, as documented in docs/compliance-json.md. Bump schemaVersion on any break. */
export const TestOutcomeSchema = z.object({
  name: z.string(),
  /** The test file, relative to rtconform's package root (suites/state/state.test.ts); absent in older reports. */
  file: z.string().optional(),
  status: z.enum(STATUSES),
  durationMs: z.number(),
  reason: z.string().optional(),
  /** A failed comparison's two sides, as the assertion printed them. */
  expected: z.string().optional(),
  actual: z.string().optional(),
  /** The runtime's features say it lacks what this needs, and it refused a config asking for it: why. */
  unsupported: z.string().optional(),
  /** With --retries: every attempt, in order, when there was more than one. */
  attempts: z.array(z.object({ status: z.enum(['pass', 'fail', 'error']), reason: z.string().optional() })).optional(),
});

export const RequirementResultSchema = z.object({
  requirement: z.string(),
  level: z.enum(LEVELS),
  source: z.enum(['runtime-spec', 'runc-cli']),
  statement: z.string(),
  /** The spec document the rule is in (config.md, runtime.md, …), or for a runc CLI rule its man page; absent in older reports. */
  document: z.string().optional(),
  link: z.string(),
  status: z.enum(STATUSES),
  /** Why it failed (the first failing test's error), erred or was skipped. */
  reason: z.string().optional(),
  /** How it counts; absent in version 1 reports, where it is the status. */
  verdict: z.enum(VERDICTS).optional(),
  /** The spec release that introduced the rule, and the last that had it when a later one replaced it. */
  since: z.string().optional(),
  until: z.string().optional(),
  /** The runtime's declaration says it breaks this requirement. */
  expectedFailure: z.object({ reason: z.string(), link: z.string().optional(), intermittent: z.boolean().optional() }).optional(),
  tests: z.array(TestOutcomeSchema),
});

export const RuntimeRunSchema = z.object({
  runtime: z.object({ key: z.string(), name: z.string(), path: z.string().nullable(), version: z.string().nullable(), spec: z.string().nullable() }),
  target: z.object({
    kind: z.enum(['host', 'container']),
    description: z.string(),
    /** Container targets: the image, how the container saw cgroups, and how it was privileged. */
    image: z.string().optional(),
    /** Container targets: the image's release as its /etc/os-release names it (sid, trixie, noble). */
    release: z.string().optional(),
    cgroupView: z.enum(['host', 'private']).optional(),
    privilege: z.enum(['privileged', 'capabilities']).optional(),
    /** How the run dir reached the container: a bind mount, or the file bridge (sshfs over the engine). */
    fileSharing: z.enum(['bind', 'bridge']).optional(),
  }),
  /** Counts of verdicts (a requirement outside the judged spec version is in none of pass…error). */
  summary: z.object({
    pass: z.number(), fail: z.number(), skip: z.number(), error: z.number().default(0),
    expectedFail: z.number().default(0), unexpectedPass: z.number().default(0), flaky: z.number().default(0), unsupported: z.number().default(0), outsideTarget: z.number().default(0),
    /** MUST and MUST NOT requirements with verdict fail: any makes the run exit 1. */
    mandatoryFailed: z.number(),
  }),
  /** The runtime-spec release the verdicts were judged against, and where that came from. */
  judgedAgainst: z.object({ specVersion: z.string(), source: z.string() }).optional(),
  /** The runtime declaration the run used (a built-in one, or the vendor's file). */
  declaration: z.string().optional(),
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

import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { FILE_SHARINGS, type FileSharing } from '../container/file-bridge.js';
import { suiteOfImageName } from '../container/runtimes-image.js';
import { CGROUP_VIEWS } from '../container/target-container.js';
import { packageRoot } from '../package-root.js';
import { hasRequirement } from '../requirements/catalogue.js';
import { scanCoverage } from '../requirements/coverage.js';
import { DeclarationError, ExpectedFailureSchema, type RuntimeDeclaration } from '../runtime/declaration.js';
import { RuntimeNotFoundError } from '../runtime/errors.js';
import { RuntimeProfileSchema } from '../runtime/profiles.js';
import { declarationFor, resolveRuntime } from '../runtime/resolve.js';
import { isRoot } from '../util/is-root.js';
import { notOwnFileReason, notPrivateReason } from '../util/private-dir.js';

/**
 * Everything one run is told, in one piece. It is built once, by `rtconform run` or, for
 * rtconform's own tests, by vitest.config.ts; checked here; and handed whole to the test
 * process. Global setup, the test workers and the reporter read it and nothing else: no
 * setting of a run travels through the environment.
 */

/** Run ids name containers (`rtc-<id>-…`) and temp dirs that sweeps remove: nothing but these characters. */
export const RUN_ID = /^[a-z0-9]{1,16}$/;

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

/** What a declaration claims about the runtime: a spec version, and the requirements it is known to break. */
export const ClaimsSchema = z.object({
  specVersion: z.string().optional(),
  expectedFailures: z.array(ExpectedFailureSchema),
  /** The declaration file the claims come from, in words for the report. */
  source: z.string(),
});
export type Claims = z.infer<typeof ClaimsSchema>;

/** A runtime as the plan carries it: its declaration resolved once, and whether it can run. */
export const PlannedRuntimeSchema = z.object({
  /** Its key in reports: the name typed (`runc`, a path), or the name a declaration file declares. */
  key: z.string().min(1),
  profile: RuntimeProfileSchema,
  claims: ClaimsSchema,
  /** The binary on the host; for a container target it is looked up in the image once the container is up. */
  binary: z.string().optional(),
  /** Container targets: the image its target container runs. */
  image: z.string().min(1).optional(),
  /** Why it cannot run here, quoted by every test it skips. */
  unavailableReason: z.string().optional(),
});
export type PlannedRuntime = z.infer<typeof PlannedRuntimeSchema>;

export const ContainerPlanSchema = z.object({
  /** The images the runtimes run in: each runtime in each image, a target container each (a release matrix). */
  images: z.array(z.string().min(1)).min(1),
  cgroupView: z.enum(CGROUP_VIEWS),
  /** No engine, no image or a runtime missing from the image is an error; else its tests skip with the reason. */
  required: z.boolean(),
  /** How the run dir reaches the target containers: bind mounts (a local engine), or the file bridge (any engine). */
  fileSharing: z.enum(FILE_SHARINGS as [FileSharing, ...FileSharing[]]),
  /** One target container each, every runtime once per image (`image` set). */
  runtimes: z.array(PlannedRuntimeSchema),
});
export type ContainerPlan = z.infer<typeof ContainerPlanSchema>;

export const RunPlanSchema = z.object({
  runId: z.string().regex(RUN_ID, 'lower-case letters and digits, at most 16'),
  toolVersion: z.string(),
  /** Where the reports go (absolute). */
  outDir: z.string().startsWith('/'),
  /** Test files to run: paths or folders relative to the package root, as vitest filters them (empty: all it includes). */
  testFiles: z.array(z.string()),
  /** Runtimes driven on this machine. */
  host: z.array(PlannedRuntimeSchema),
  /** Runtimes driven inside target containers. */
  containers: ContainerPlanSchema.optional(),
  /** Judge every runtime against this runtime-spec release instead of the one it claims. */
  specVersion: z.string().optional(),
  /** Limit for one runtime call. */
  callTimeoutMs: z.number().int().positive(),
  /** How many times a failed test runs again; attempts that disagree make its requirement flaky. */
  retries: z.number().int().min(0).max(10),
  /** vitest's shard: this part of the test files. */
  shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }).optional(),
  /** What the run prints while it goes: only the verdict (quiet), progress (normal), every test (verbose). */
  output: z.enum(['quiet', 'normal', 'verbose']).default('normal'),
  /**
   * The run's private home (harness/run-home.ts), when `rtconform run` made it before starting
   * the tests; global setup makes one when the plan has none (rtconform's own tests).
   */
  home: z.string().startsWith('/').optional(),
});
export type RunPlan = z.infer<typeof RunPlanSchema>;

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** Whether the plan drives runtimes in target containers (a run without them loads no engine client). */
export function usesContainerTargets(plan: Pick<RunPlan, 'containers'>): boolean {
  return (plan.containers?.runtimes.length ?? 0) > 0;
}

/**
 * The one way a plan is made (the CLI, the self-test, rtconformTestConfig): a new run id, the
 * defaults for what is not given, and the schema's check.
 */
export function makePlan(fields: Omit<RunPlan, 'runId' | 'callTimeoutMs' | 'retries' | 'output'> & Partial<Pick<RunPlan, 'runId' | 'callTimeoutMs' | 'retries' | 'output'>>): RunPlan {
  return RunPlanSchema.parse({ runId: newRunId(), callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS, retries: 0, ...fields });
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The plan, as the CLI or vitest.config.ts made it; global setup turns it into `rtconform`. */
    rtconformPlan: RunPlan;
  }
}

/** A plan read back (from a file or vitest's provided context): a bad one names what is wrong. */
export function parsePlan(data: unknown, source: string): RunPlan {
  const parsed = RunPlanSchema.safeParse(data);
  if (!parsed.success) throw new Error(`${source} is not a valid run plan (a bug in rtconform):\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The plan `rtconform run` wrote into the run's home. The plan says which binaries run as root:
 * it is read only from a home nobody else can write, as a file of ours, and it must name that home.
 */
export function readPlan(file: string): RunPlan {
  const home = dirname(file);
  const problem = notPrivateReason(home, lstatSync(home)) ?? notOwnFileReason(file, lstatSync(file));
  if (problem !== undefined) throw new Error(`the plan ${file} cannot be trusted: ${problem}`);
  const plan = parsePlan(JSON.parse(readFileSync(file, 'utf8')), file);
  if (plan.home !== home) throw new Error(`the plan ${file} names another home (${plan.home ?? 'none'})`);
  return plan;
}

/** A declaration file is keyed by the name it declares; a name or a binary by what was typed. */
function keyOf(given: string, declaredName: string): string {
  return /\.(ya?ml|json)$/i.test(given) ? declaredName : given;
}

/**
 * Container targets are keyed apart from the same runtime on the host: `runc@container`; in a
 * run over several images, apart from each other too, by the image's label: `runc@sid`.
 */
export function containerKey(key: string, imageLabel?: string): string {
  return `${key}@${imageLabel ?? 'container'}`;
}

/**
 * What an image is called in keys of a run over several images: the Debian suite of an image
 * `rtconform image build` made (`rtconform-runtimes:sid-<hash>` is `sid`), else the image's
 * reference without its registry and repository path (`ghcr.io/acme/runtimes:1.3` is `runtimes:1.3`).
 */
export function imageLabel(image: string): string {
  return suiteOfImageName(image) ?? image.slice(image.lastIndexOf('/') + 1).replace(/@sha256:([0-9a-f]{12})[0-9a-f]*$/, '@$1');
}

/** Why two of a run's images cannot go in one report (they would share a label in its keys), or undefined. */
export function imageLabelClash(images: readonly string[]): string | undefined {
  const byLabel = new Map<string, string>();
  for (const image of new Set(images)) {
    const label = imageLabel(image);
    const other = byLabel.get(label);
    if (other !== undefined) return `images ${other} and ${image} would both be called "${label}" in the report: give images of different Debian suites or names`;
    byLabel.set(label, image);
  }
  return undefined;
}

/**
 * What a declaration claims. An expected failure of a requirement rtconform does not know, or
 * that no suite tests (so it could never fail), is an error in the file.
 */
export function claimsOf(declaration: RuntimeDeclaration): Claims {
  const tested = declaration.expectedFailures.length > 0 ? scanCoverage(packageRoot()) : new Map<string, string[]>();
  for (const { requirement } of declaration.expectedFailures) {
    if (!hasRequirement(requirement)) {
      throw new DeclarationError(`${declaration.source}: expectedFailures names "${requirement}", which is no requirement rtconform knows (see \`rtconform requirements\`)`);
    }
    if (!tested.has(requirement)) {
      throw new DeclarationError(`${declaration.source}: expectedFailures names "${requirement}", which no suite tests, so it can never fail (see \`rtconform requirements --uncovered\`)`);
    }
  }
  return { ...(declaration.specVersion === undefined ? {} : { specVersion: declaration.specVersion }), expectedFailures: declaration.expectedFailures, source: declaration.source };
}

/**
 * A `--runtime` argument (a name, a binary, a declaration file) resolved for the host: its
 * declaration, and its binary or why it cannot run here. A declaration file that is not valid
 * is an error.
 */
export function planHostRuntime(given: string, searchPath?: string): PlannedRuntime {
  const declaration = declarationFor(given);
  const { profile } = declaration;
  const base = { key: keyOf(given, profile.name), profile, claims: claimsOf(declaration) };
  try {
    const { binary } = resolveRuntime(given, searchPath);
    if (profile.needsRoot && !isRoot()) return { ...base, binary, unavailableReason: `${profile.name} needs root here (run as root, or use the fake runtime)` };
    return { ...base, binary };
  } catch (error) {
    if (!(error instanceof RuntimeNotFoundError)) throw error;
    return { ...base, unavailableReason: error.message };
  }
}

/**
 * `--runtime` arguments for container targets: each runtime in each image (keyed by the image's
 * label when there are several); its binary is looked up in the image once the container is up.
 */
export function planContainerRuntimes(given: readonly string[], images: readonly string[]): PlannedRuntime[] {
  return given.flatMap((runtime) => {
    const declaration = declarationFor(runtime);
    const key = keyOf(runtime, declaration.profile.name);
    return images.map((image) => ({
      key: containerKey(key, images.length > 1 ? imageLabel(image) : undefined),
      profile: declaration.profile, claims: claimsOf(declaration), image,
    }));
  });
}

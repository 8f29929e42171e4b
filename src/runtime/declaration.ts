import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { packageRoot } from '../package-root.js';
import { FileRefusedError, readBoundedTextSync } from '../util/bounded-file.js';
import { toJsonSchema } from '../util/json-schema.js';
import { ExecPidInRuntimeSchema, LIMITATIONS, VERBS, type RuntimeProfile } from './profiles.js';

/** The runtimes rtconform ships a declaration for, in `runtimes/<name>.yaml`. */
export const BUILTIN_RUNTIMES = ['fake', 'runc', 'crun', 'runsc'] as const;
export type BuiltinRuntime = (typeof BUILTIN_RUNTIMES)[number];

/**
 * Free text of a declaration is quoted in reports, skips and error messages: a paragraph, never a
 * document (a 50 MB description cost gigabytes of memory to parse). Links are URLs.
 */
export const FREE_TEXT_MAX = 2000;
export const LINK_MAX = 2000;
const freeText = (what: string): z.ZodString => z.string().max(FREE_TEXT_MAX, `${what} is at most ${FREE_TEXT_MAX.toLocaleString('en')} characters: say it briefly, and link to the rest`);

/** The most a declaration file may hold: far more than any real one (a few KB), far less than what hurts. */
export const DECLARATION_MAX_BYTES = 1024 * 1024;

export const ExpectedFailureSchema = z.object({
  requirement: z.string().min(1).describe('The catalogue id of the requirement (`rtconform requirements --json` lists them).'),
  reason: freeText('a reason').min(1).describe('What the runtime does instead, in words a reader can check by hand.'),
  link: z.url().max(LINK_MAX, `a link is at most ${LINK_MAX.toLocaleString('en')} characters`).optional().describe('Where the deviation is tracked or explained (an issue, a doc).'),
  runtimeVersions: z.string().min(1).optional()
    .describe('A semver range of the runtime versions it applies to (e.g. "1.1.x", "<1.2"); every version when absent.'),
  intermittent: z.boolean().optional()
    .describe('It fails only some of the time (a race in the runtime): a pass is then not held against the declaration.'),
}).strict();

/**
 * A runtime described as data: how to drive it, and what it claims. Everything but `name` is
 * optional: what is not given comes from the runtime it is `like` (its conventions, never its
 * spec version or expected failures), else from runc's conventions.
 */
export const RuntimeDeclarationSchema = z.object({
  $schema: z.string().optional().describe('The JSON Schema of this file, for editors.'),
  name: z.string().regex(/^[A-Za-z0-9][\w.+-]*$/, 'letters, digits and . _ + - (it names the runtime in reports)')
    .describe('The runtime\'s name in reports (the key of its results).'),
  description: freeText('the description').optional(),
  like: z.enum(BUILTIN_RUNTIMES).optional()
    .describe('A built-in runtime whose conventions (flags, verbs, limitations) this one follows where it says nothing else.'),
  binary: z.string().min(1).optional()
    .describe('The executable: a name looked up on PATH, an absolute path, or a path relative to this file.'),
  install: freeText('install').optional().describe('How to install it, quoted when it is missing.'),
  globalArgs: z.array(z.string()).optional().describe('Flags put before the verb on every call.'),
  jsonLog: z.boolean().optional().describe('Whether it takes `--log FILE --log-format json` (default true).'),
  needsRootfs: z.boolean().optional().describe('Whether containers need a real root filesystem (default true).'),
  needsRoot: z.boolean().optional().describe('Whether it needs root to run at all (default true).'),
  usesCriu: z.boolean().optional().describe('Whether checkpoint and restore go through CRIU (default true).'),
  refusesHybridCgroups: z.boolean().optional().describe('Whether it refuses a hybrid cgroup v1+v2 host (default false).'),
  defaultRoot: z.string().startsWith('/').optional()
    .describe('Where it keeps container state without --root: a half-made state dir of ours there is removed by the next run.'),
  execPidInRuntime: ExecPidInRuntimeSchema.optional()
    .describe('Where an exec\'d process is reached through the runtime, not by the host pid --pid-file gives (runsc): an exec past its timeout is then ended with `kill <killPidFlag> PID ID KILL`.'),
  unsupported: z.partialRecord(z.enum(VERBS), freeText('a reason').min(1)).optional()
    .describe('Verbs it lacks, each with the reason a skipped test quotes.'),
  limitations: z.partialRecord(z.enum(LIMITATIONS), freeText('a reason').min(1)).optional()
    .describe('Facts about it that make some checks meaningless, each with the reason a skipped test quotes.'),
  specVersion: z.string().min(1).optional()
    .describe('The runtime-spec version it claims, when its own `features` or `--version` should not be taken.'),
  expectedFailures: z.array(ExpectedFailureSchema).optional()
    .describe('Requirements it is known to break: reported as expected failures, and a run fails if one of them passes.'),
}).strict();

export type ExpectedFailure = z.infer<typeof ExpectedFailureSchema>;

/** A declaration with everything resolved: the profile the adapter drives it by, and its claims. */
export interface RuntimeDeclaration {
  profile: RuntimeProfile;
  specVersion: string | undefined;
  expectedFailures: ExpectedFailure[];
  /** The file it came from. */
  source: string;
}

/** A declaration file that cannot be read or does not fit the schema; the message says what to fix. */
export class DeclarationError extends Error {
  override name = 'DeclarationError';
}

const DEFAULTS: Omit<RuntimeProfile, 'name' | 'binary'> = {
  globalArgs: [], jsonLog: true, unsupported: {}, needsRootfs: true, needsRoot: true, usesCriu: true,
  refusesHybridCgroups: false, limitations: {},
};

function builtinDeclarationFile(name: BuiltinRuntime): string {
  return join(packageRoot(), 'runtimes', `${name}.yaml`);
}

const builtins = new Map<BuiltinRuntime, RuntimeDeclaration>();

/** The declaration rtconform ships for a built-in runtime (read once). */
export function builtinDeclaration(name: BuiltinRuntime): RuntimeDeclaration {
  let found = builtins.get(name);
  if (!found) {
    found = { ...loadDeclaration(builtinDeclarationFile(name)), source: `rtconform's built-in runtimes/${name}.yaml` };
    builtins.set(name, found);
  }
  return found;
}

export function isBuiltinRuntime(name: string): name is BuiltinRuntime {
  return (BUILTIN_RUNTIMES as readonly string[]).includes(name);
}

/** Reads a declaration (YAML or JSON) and resolves it; a bad file is a DeclarationError naming the file and the problem. */
export function loadDeclaration(file: string): RuntimeDeclaration {
  const path = resolve(file);
  let text: string;
  try {
    text = readBoundedTextSync(path, {
      maxBytes: DECLARATION_MAX_BYTES, what: 'a runtime declaration',
      tooBigAdvice: `its free text (description, install, a reason) is at most ${FREE_TEXT_MAX.toLocaleString('en')} characters each`,
    });
  } catch (error) {
    if (error instanceof FileRefusedError) throw new DeclarationError(error.message);
    throw new DeclarationError(`cannot read the runtime declaration ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new DeclarationError(`${path} is neither YAML nor JSON: ${(error as Error).message}`);
  }
  return resolveDeclaration(data, path);
}

/** Checks a parsed declaration and fills in what it leaves to the runtime it is like. */
export function resolveDeclaration(data: unknown, source: string): RuntimeDeclaration {
  const parsed = RuntimeDeclarationSchema.safeParse(data);
  if (!parsed.success) {
    throw new DeclarationError(`${source} is not a valid runtime declaration:\n${z.prettifyError(parsed.error)}\n` +
      'See docs/runtime-declarations.md and docs/runtime-declaration.schema.json.');
  }
  const d = parsed.data;
  const base = d.like ? builtinDeclaration(d.like).profile : { ...DEFAULTS, name: d.name, binary: d.name };
  let binary = d.binary ?? base.binary;
  // A path relative to the declaration means beside it; a bare name is looked up on PATH.
  if (d.binary !== undefined && binary.includes('/') && !isAbsolute(binary)) binary = resolve(dirname(source), binary);
  const profile: RuntimeProfile = {
    name: d.name,
    binary,
    install: d.install ?? (d.like && d.binary === undefined ? base.install : undefined),
    globalArgs: d.globalArgs ?? base.globalArgs,
    jsonLog: d.jsonLog ?? base.jsonLog,
    unsupported: d.unsupported ?? base.unsupported,
    needsRootfs: d.needsRootfs ?? base.needsRootfs,
    needsRoot: d.needsRoot ?? base.needsRoot,
    usesCriu: d.usesCriu ?? base.usesCriu,
    refusesHybridCgroups: d.refusesHybridCgroups ?? base.refusesHybridCgroups,
    limitations: d.limitations ?? base.limitations,
    ...((d.defaultRoot ?? (d.like ? base.defaultRoot : undefined)) === undefined ? {} : { defaultRoot: d.defaultRoot ?? base.defaultRoot }),
    ...((d.execPidInRuntime ?? base.execPidInRuntime) === undefined ? {} : { execPidInRuntime: d.execPidInRuntime ?? base.execPidInRuntime }),
  };
  return { profile, specVersion: d.specVersion, expectedFailures: d.expectedFailures ?? [], source };
}

/** Where the JSON Schema of a declaration lives in the repository. */
export const DECLARATION_SCHEMA_PATH = 'docs/runtime-declaration.schema.json';

/** The declaration as a JSON Schema (draft 2020-12), for editors and other languages. */
export function declarationJsonSchema(): Record<string, unknown> {
  return toJsonSchema(RuntimeDeclarationSchema, 'rtconform runtime declaration',
    'Describes a runc-style OCI runtime to rtconform: how to drive it and what it claims. See docs/runtime-declarations.md.');
}

import { z } from 'zod';
import { dockerHost } from '../container/engine.js';
import { FILE_SHARINGS, fileSharingFor, type FileSharing } from '../container/file-bridge.js';
import { defaultImageName } from '../container/runtimes-image.js';
import { CGROUP_VIEWS, type CgroupView } from '../container/target-container.js';
import { judgedRelease, SPEC_RELEASES } from '../requirements/spec-version.js';
import { imageLabelClash, RUN_ID } from '../harness/plan.js';
import { HarnessError } from './harness-error.js';
import type { RunCommandOptions } from './run.js';

/** `rtconform run`'s options as node's parseArgs gives them (main.ts declares them). */
const RunArgsSchema = z.object({
  runtime: z.array(z.string()).optional(),
  'runtime-config': z.array(z.string()).optional(),
  'spec-version': z.string().optional(),
  retries: z.string().optional(),
  suite: z.array(z.string()).optional(),
  out: z.string().optional(),
  'call-timeout': z.string().optional(),
  'in-container': z.boolean().optional(),
  image: z.array(z.string()).optional(),
  'cgroup-view': z.string().optional(),
  'file-sharing': z.string().optional(),
  engine: z.array(z.string()).optional(),
  baseline: z.string().optional(),
  shard: z.string().optional(),
  'run-id': z.string().optional(),
  'state-dir': z.string().optional(),
  force: z.boolean().optional(),
  quiet: z.boolean().optional(),
  verbose: z.boolean().optional(),
});
export type RunArgs = z.infer<typeof RunArgsSchema>;

/** A fanned-out run's id, at most this long: each share's run is named `<id>s<N>` (N up to 999) within RUN_ID's 16. */
export const FAN_OUT_RUN_ID = /^[a-z0-9]{1,12}$/;

/**
 * Every rule on how the options go together, each with the words a user gets, checked in this
 * order (the first that fails is the one said), on the raw values and on what a container
 * target's cgroup view and file sharing come to (`chosen`: given, or their defaults).
 */
const RULES: ((a: RunArgs, chosen: Chosen) => string | undefined)[] = [
  (a) => (a['call-timeout'] !== undefined && !/^\d+$/.test(a['call-timeout']) ? `--call-timeout wants milliseconds, got "${a['call-timeout']}"` : undefined),
  (_, { view }) => ((CGROUP_VIEWS as readonly string[]).includes(view) ? undefined : `--cgroup-view wants ${CGROUP_VIEWS.join(' or ')}, got "${view}"`),
  (a) => (!a['in-container'] && (a.image !== undefined || a['cgroup-view'] !== undefined || a['file-sharing'] !== undefined || a.engine !== undefined)
    ? '--image, --cgroup-view, --file-sharing and --engine apply to container targets: add --in-container' : undefined),
  (_, { sharing }) => ((FILE_SHARINGS as readonly string[]).includes(sharing) ? undefined : `--file-sharing wants ${FILE_SHARINGS.join(' or ')}, got "${sharing}"`),
  (a) => (a['spec-version'] !== undefined && judgedRelease(a['spec-version']) === undefined
    ? `--spec-version wants a runtime-spec version (${SPEC_RELEASES.join(', ')}), got "${a['spec-version']}"` : undefined),
  (a) => (a.quiet && a.verbose ? '--quiet and --verbose ask for opposite things: give one' : undefined),
  (a) => (a.retries !== undefined && !/^(10|\d)$/.test(a.retries) ? `--retries wants a number from 0 to 10, got "${a.retries}"` : undefined),
  (a) => (a.shard !== undefined && shardOf(a.shard) === undefined ? `--shard wants I/N with 1 ≤ I ≤ N (e.g. 1/2), got "${a.shard}"` : undefined),
  (a) => (a.engine !== undefined && a.shard !== undefined ? '--engine cuts the run into shares itself: drop --shard' : undefined),
  (a) => (a.engine === undefined && a['run-id'] !== undefined && !RUN_ID.test(a['run-id'])
    ? `--run-id wants 1 to 16 lower-case letters and digits, got "${a['run-id']}"` : undefined),
  (a) => (a.engine !== undefined && a['run-id'] !== undefined && !FAN_OUT_RUN_ID.test(a['run-id'])
    ? `--run-id of a run over several engines names its shares <id>s<N>: give 1 to 12 lower-case letters and digits, got "${a['run-id']}"` : undefined),
  (a) => (a['in-container'] && (a.runtime ?? []).includes('fake')
    ? 'the fake runtime runs on the host only: drop --in-container, or choose runc, crun or a path inside the image' : undefined),
  (a) => {
    const clash = imageLabelClash([...new Set(a.image ?? [])]);
    return clash === undefined ? undefined : `--image: ${clash}`;
  },
];

/** A container target's cgroup view and file sharing, as given or by default (a remote engine's default is the bridge). */
interface Chosen { view: string; sharing: string }

function shardOf(value: string): { index: number; count: number } | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  return index >= 1 && index <= count ? { index, count } : undefined;
}

/** What `rtconform run` was asked: the run's options, and the engines to spread it over, if any. */
export interface RunRequest {
  options: RunCommandOptions;
  /** `--engine`, each place a share of the run goes; undefined: one run, on this machine's engine. */
  engines: string[] | undefined;
  /** `--file-sharing` as given: each engine's share defaults it from its own address. */
  fileSharing: string | undefined;
}

/**
 * `rtconform run`'s options, checked once, here: every rule on their values and on how they go
 * together, before anything runs; a bad one is a HarnessError that names it and what it wants.
 * What needs the machine (a suite's files, a runtime's binary) is checked by planRun.
 */
export function runOptionsFrom(raw: unknown, env: NodeJS.ProcessEnv = process.env): RunRequest {
  const a = RunArgsSchema.parse(raw);
  const chosen: Chosen = { view: a['cgroup-view'] ?? 'host', sharing: a['file-sharing'] ?? fileSharingFor(dockerHost(env)) };
  for (const rule of RULES) {
    const problem = rule(a, chosen);
    if (problem !== undefined) throw new HarnessError(problem);
  }
  const inContainer = a['in-container'] ?? false;
  const runtimes = [...(a.runtime ?? []), ...(a['runtime-config'] ?? [])];
  return {
    options: {
      runtimes: runtimes.length > 0 ? runtimes : (inContainer ? ['runc'] : ['fake']),
      specVersion: a['spec-version'],
      retries: a.retries === undefined ? 0 : Number(a.retries),
      suites: a.suite ?? [],
      outDir: a.out ?? 'reports/latest',
      callTimeoutMs: a['call-timeout'] === undefined ? undefined : Number(a['call-timeout']),
      container: inContainer
        ? { images: a.image ?? [defaultImageName()], cgroupView: chosen.view as CgroupView, fileSharing: chosen.sharing as FileSharing }
        : undefined,
      baseline: a.baseline,
      shard: a.shard === undefined ? undefined : shardOf(a.shard),
      runId: a['run-id'],
      stateDir: a['state-dir'],
      force: a.force,
      output: a.quiet ? 'quiet' : a.verbose ? 'verbose' : 'normal',
    },
    engines: a.engine,
    fileSharing: a['file-sharing'],
  };
}

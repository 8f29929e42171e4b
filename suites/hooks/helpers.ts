/**
 * What the hooks suites share: hook scripts that log when, where and with what they ran, bundles
 * that install them, and a container's lifecycle with the log read at each step.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { UnsupportedOperationError } from '../../src/runtime/errors.js';
import type { Bundle, RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { ContainerStateSchema, type ContainerState } from '../../src/runtime/schemas.js';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import type { OciConfig } from '../../src/spec/config.js';
import { waitFor } from '../../src/util/wait.js';

export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';
type Hook = NonNullable<NonNullable<OciConfig['hooks']>[HookKind]>[number];
export const KINDS: readonly HookKind[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** startContainer hooks run after pivot_root: their paths are resolved inside the container. */
const IN_CONTAINER: Partial<Record<HookKind, true>> = { startContainer: true };
export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The hook: it appends what it saw to a log file (as its mount namespace names it) and then
 * does what $3 says. argv and environ are read from the shell's own /proc/self files, opened by
 * the shell itself (procfs reads them from the opener's process at read time, so a forked tr
 * opening them would see its own), so they are exactly what execve got.
 * The record goes out in one write: hooks of different kinds may run at the same time (one in
 * the container, one in the runtime), and O_APPEND keeps whole writes apart.
 */
const HOOK_SCRIPT = `#!/bin/sh
exec 3</proc/self/cmdline 4</proc/self/environ
state=$(tr -d '\\n')
argv=$(tr '\\000' '\\037' <&3)
environ=$(tr '\\000' '\\037' <&4)
record="hook $2
mnt $(readlink /proc/self/ns/mnt)
state $state
argv $argv
environ $environ
end"
printf '%s\\n' "$record" >>"$1"
case "$3" in
  fail) exit 7 ;;
  hang) exec sleep 25 ;;
esac
`;

/** The user program: it leaves a line in the same log, so hooks can be placed around it. */
/**
 * The user program notes how many hook records the log held when it started, in a file of its
 * own: hooks run beside the runtime and the program inside the container, and under runsc a
 * write from inside the sandbox to a file the host appends to at the same moment can land on
 * the host's record. The count still places the program among the hooks.
 */
const PROGRAM = ['sh', '-c', 'echo "program $(busybox grep -c "^end$" /rtconform/hooks.log)" >/rtconform/program.log; exec sleep 600'];

interface HookRecord {
  label: string;
  mnt: string;
  stateText: string;
  argv: string[];
  environ: string[];
}
type LogEntry = HookRecord | 'program';

/** The hooks' log, with the program put where it started: after the records written before it. */
function parseLog(text: string, program: string): LogEntry[] {
  const entries = parseRecords(text);
  const before = /^program (\d+)/m.exec(program);
  if (before) entries.splice(Math.min(Number(before[1]), entries.length), 0, 'program');
  return entries;
}

function parseRecords(text: string): LogEntry[] {
  const entries: LogEntry[] = [];
  let current: Partial<HookRecord> | undefined;
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    const [key, rest] = space < 0 ? [line, ''] : [line.slice(0, space), line.slice(space + 1)];
    const fields = (s: string): string[] => s.split('\x1f').slice(0, -1);
    if (key === 'hook') current = { label: rest };
    else if (current && key === 'mnt') current.mnt = rest;
    else if (current && key === 'state') current.stateText = rest;
    else if (current && key === 'argv') current.argv = fields(rest);
    else if (current && key === 'environ') current.environ = fields(rest);
    else if (current && key === 'end') {
      entries.push({ label: '', mnt: '', stateText: '', argv: [], environ: [], ...current });
      current = undefined;
    }
  }
  return entries;
}

export const labelsOf = (entries: LogEntry[]): string[] => entries.map((e) => (e === 'program' ? 'program' : e.label));

export function recordOf(entries: LogEntry[], label: string): HookRecord {
  const found = entries.find((e): e is HookRecord => e !== 'program' && e.label === label);
  if (!found) return expect.fail(`no hook record "${label}" in the log; it holds: ${JSON.stringify(labelsOf(entries))}`);
  return found;
}

export function stateOf(record: HookRecord): ContainerState {
  let json: unknown;
  try {
    json = JSON.parse(record.stateText);
  } catch {
    return expect.fail(`hook ${record.label} read no JSON on stdin: ${JSON.stringify(record.stateText)}`);
  }
  const parsed = ContainerStateSchema.safeParse(json);
  if (!parsed.success) return expect.fail(`hook ${record.label} read a state that is not the spec's: ${record.stateText}`);
  return parsed.data;
}

interface HookSpec {
  label: string;
  action?: 'ok' | 'fail' | 'hang';
  /** Replaces the hook's args after the script's own three. */
  extraArgs?: string[];
  env?: string[];
  timeout?: number;
}

/** Where the bundle's hook script and log are, for a hook of `kind`. */
function hookPaths(bundle: Bundle, kind: HookKind): { script: string; log: string } {
  const base = IN_CONTAINER[kind] ? '/rtconform' : join(bundle.dir, 'rootfs', 'rtconform');
  return { script: join(base, 'hook.sh'), log: join(base, 'hooks.log') };
}

function hook(bundle: Bundle, kind: HookKind, spec: HookSpec): Hook {
  const { script, log } = hookPaths(bundle, kind);
  return {
    path: script,
    args: [script, log, spec.label, spec.action ?? 'ok', ...(spec.extraArgs ?? [])],
    env: spec.env ?? [PATH_ENV],
    ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
  };
}

export type HookPlan = Partial<Record<HookKind, HookSpec[]>>;

export interface Prepared {
  bundle: Bundle;
  log: () => Promise<LogEntry[]>;
}

/** Skips unless the runtime's features list every hook kind the test needs; without a features verb the test decides. */
async function requireHooks(ctx: RuntimeTestContext, kinds: readonly HookKind[]): Promise<void> {
  let known: string[];
  try {
    known = (await ctx.runtime.features()).hooks ?? [];
  } catch (error) {
    if (error instanceof UnsupportedOperationError) return;
    throw error;
  }
  const missing = kinds.filter((k) => !known.includes(k));
  if (missing.length > 0) ctx.skip(`the runtime's features do not list the ${missing.join(', ')} hook${missing.length > 1 ? 's' : ''} (it lists: ${known.join(', ') || 'none'})`);
}

/** A bundle whose config has the hooks of `plan` and the logging PROGRAM; written as given, unvalidated when `raw`. */
export async function prepare(ctx: RuntimeTestContext, plan: HookPlan, tweak?: (config: OciConfig) => void): Promise<Prepared> {
  await requireHooks(ctx, Object.keys(plan) as HookKind[]);
  const bundle = await ctx.bundle((b) => b.args(...PROGRAM));
  const dir = join(bundle.dir, 'rootfs', 'rtconform');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'hook.sh'), HOOK_SCRIPT);
  await chmod(join(dir, 'hook.sh'), 0o755);
  // Hooks and the program run as root, maybe in other user namespaces' views: let anyone write.
  for (const file of ['hooks.log', 'program.log']) {
    await writeFile(join(dir, file), '');
    await chmod(join(dir, file), 0o666);
  }
  const config = structuredClone(bundle.config);
  config.hooks = Object.fromEntries(Object.entries(plan).map(([kind, specs]) => [kind, specs.map((s) => hook(bundle, kind as HookKind, s))]));
  tweak?.(config);
  await bundle.rewrite(config);
  return { bundle, log: async () => parseLog(await readFile(join(dir, 'hooks.log'), 'utf8'), await readFile(join(dir, 'program.log'), 'utf8')) };
}

export const create = (ctx: RuntimeTestContext, bundle: Bundle) => ctx.runtime.create(ctx.id, { bundle: bundle.dir, stdio: bundle.stdio });

/** After start: the program has written its line. */
export const programStarted = (log: () => Promise<LogEntry[]>) =>
  waitFor(async (seen) => {
    const entries = await log();
    seen(labelsOf(entries));
    return entries.includes('program') ? entries : undefined;
  }, { timeoutMs: 10_000, who: 'runtime', description: 'the container program to write its line' });

/** Kills the program and deletes the container, as a user would once it is done. */
export async function stopAndDelete(ctx: RuntimeTestContext): Promise<void> {
  await ctx.runtime.kill(ctx.id, 'KILL');
  await waitForStatus(ctx.runtime, ctx.id, 'stopped', 10_000);
  await ctx.runtime.delete(ctx.id);
}

interface Lifecycle {
  afterCreate: LogEntry[];
  afterStart: LogEntry[];
  /** After the program exited, before delete. */
  beforeDelete: LogEntry[];
  afterDelete: LogEntry[];
  /** State of the container right after create, as the runtime reports it. */
  created: ContainerState;
  /** What `readlink /proc/self/ns/mnt` says where the runtime runs, and in the container. */
  runtimeMnt: string;
  containerMnt: string;
  /** The container process's pid in the innermost pid namespace (the last NSpid field). */
  innerPid: number;
  bundleDir: string;
}

async function readlinkWhereRuntimeRuns(ctx: RuntimeTestContext, path: string): Promise<string> {
  const result = await ctx.runner.run('readlink', [path], { timeoutMs: 10_000 });
  expect(result.exitCode, `readlink ${path} where the runtime runs: ${result.stderr}`).toBe(0);
  return result.stdout.trim();
}

/** create, start, kill, delete with two hooks of every kind; the log after each step. */
export async function lifecycle(ctx: RuntimeTestContext, kinds: readonly HookKind[] = KINDS): Promise<Lifecycle> {
  const plan: HookPlan = Object.fromEntries(kinds.map((k) => [k, [{ label: `${k}#1` }, { label: `${k}#2` }]]));
  const { bundle, log } = await prepare(ctx, plan);
  await create(ctx, bundle);
  const afterCreate = await log();
  const created = await ctx.runtime.state(ctx.id);
  const pid = created.pid ?? expect.fail('state has no pid after create');
  const runtimeMnt = await readlinkWhereRuntimeRuns(ctx, '/proc/self/ns/mnt');
  const containerMnt = await readlinkWhereRuntimeRuns(ctx, `/proc/${pid}/ns/mnt`);
  const status = await ctx.runner.run('cat', [`/proc/${pid}/status`], { timeoutMs: 10_000 });
  const nspid = /^NSpid:\s*(.+)$/m.exec(status.stdout)?.[1]?.trim().split(/\s+/) ?? [String(pid)];
  await ctx.runtime.start(ctx.id);
  const afterStart = await log();
  await programStarted(log);
  await ctx.runtime.kill(ctx.id, 'KILL');
  await waitForStatus(ctx.runtime, ctx.id, 'stopped', 10_000);
  const beforeDelete = await log();
  await ctx.runtime.delete(ctx.id);
  const afterDelete = await log();
  return { afterCreate, afterStart, beforeDelete, afterDelete, created, runtimeMnt, containerMnt, innerPid: Number(nspid.at(-1)), bundleDir: bundle.dir };
}

/** The user program must not have run: the log holds no program line. */
export const expectProgramNeverRan = async (log: () => Promise<LogEntry[]>) =>
  expect(labelsOf(await log()), 'the log must not show the user program').not.toContain('program');

/** The container must be gone: state of its id is an error. */
export const expectDestroyed = async (ctx: RuntimeTestContext) => {
  const state = await ctx.runtime.state(ctx.id).then((s) => s.status, () => 'gone');
  expect(state, 'the container must be stopped and destroyed (state of its id an error)').toBe('gone');
};

import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { UnsupportedOperationError } from '../../src/runtime/errors.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, type Bundle, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { ContainerStateSchema, type ContainerState } from '../../src/runtime/schemas.js';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import type { OciConfig } from '../../src/spec/config.js';
import { waitFor } from '../../src/util/wait.js';

type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';
type Hook = NonNullable<NonNullable<OciConfig['hooks']>[HookKind]>[number];
const KINDS: readonly HookKind[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** startContainer hooks run after pivot_root: their paths are resolved inside the container. */
const IN_CONTAINER: Partial<Record<HookKind, true>> = { startContainer: true };
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

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

const labelsOf = (entries: LogEntry[]): string[] => entries.map((e) => (e === 'program' ? 'program' : e.label));

function recordOf(entries: LogEntry[], label: string): HookRecord {
  const found = entries.find((e): e is HookRecord => e !== 'program' && e.label === label);
  if (!found) return expect.fail(`no hook record "${label}" in the log; it holds: ${JSON.stringify(labelsOf(entries))}`);
  return found;
}

function stateOf(record: HookRecord): ContainerState {
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

type HookPlan = Partial<Record<HookKind, HookSpec[]>>;

interface Prepared {
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
async function prepare(ctx: RuntimeTestContext, plan: HookPlan, tweak?: (config: OciConfig) => void): Promise<Prepared> {
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

const create = (ctx: RuntimeTestContext, bundle: Bundle) => ctx.runtime.create(ctx.id, { bundle: bundle.dir, stdio: bundle.stdio });

/** After start: the program has written its line. */
const programStarted = (log: () => Promise<LogEntry[]>) =>
  waitFor(async (seen) => {
    const entries = await log();
    seen(labelsOf(entries));
    return entries.includes('program') ? entries : undefined;
  }, { timeoutMs: 10_000, description: 'the container program to write its line' });

/** Kills the program and deletes the container, as a user would once it is done. */
async function stopAndDelete(ctx: RuntimeTestContext): Promise<void> {
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
async function lifecycle(ctx: RuntimeTestContext, kinds: readonly HookKind[] = KINDS): Promise<Lifecycle> {
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
const expectProgramNeverRan = async (log: () => Promise<LogEntry[]>) =>
  expect(labelsOf(await log()), 'the log must not show the user program').not.toContain('program');

/** The container must be gone: state of its id is an error. */
const expectDestroyed = async (ctx: RuntimeTestContext) => {
  const state = await ctx.runtime.state(ctx.id).then((s) => s.status, () => 'gone');
  expect(state, 'the container must be stopped and destroyed (state of its id an error)').toBe('gone');
};

describeRuntimes('hooks: when they run, where, with what, and what their failure does', (requirement) => {
  requirement('hooks.order', 'hooks of one kind run in the order listed', async (ctx) => {
    const { afterDelete } = await lifecycle(ctx);
    for (const kind of KINDS) {
      const labels = labelsOf(afterDelete).filter((l) => l.startsWith(`${kind}#`));
      expect(labels, `${kind} hooks, in the order they ran`).toEqual([`${kind}#1`, `${kind}#2`]);
    }
  });

  requirement('hooks.state-stdin', 'every hook reads the container state as JSON on stdin', async (ctx) => {
    const { afterDelete, bundleDir } = await lifecycle(ctx);
    for (const kind of KINDS) {
      const state = stateOf(recordOf(afterDelete, `${kind}#1`));
      expect({ kind, id: state.id, bundle: state.bundle }, `id and bundle (the bundle's absolute path on the host) in the state ${kind} read`).toEqual({ kind, id: ctx.id, bundle: bundleDir });
    }
  });

  requirement('hooks.args-env', 'a hook runs with exactly its args as argv and its env as environment', async (ctx) => {
    // A first arg that is not the path: execv takes argv[0] from args, not from path.
    const env = [PATH_ENV, 'RTC_HOOK=one two', 'RTC_EMPTY='];
    const { bundle, log } = await prepare(ctx, { createRuntime: [{ label: 'args', extraArgs: ['x', '', 'two words'], env }] });
    const config = JSON.parse(await readFile(join(bundle.dir, 'config.json'), 'utf8')) as OciConfig;
    const configured = config.hooks!.createRuntime![0]!;
    configured.args = ['rtconform-argv0', ...configured.args!.slice(1)];
    await bundle.rewrite(config);
    await create(ctx, bundle);
    const record = recordOf(await log(), 'args');
    // The script is a #! file: the kernel puts the interpreter and the script's path in front.
    expect(record.argv.slice(2), 'hook argv after the interpreter and script').toEqual(configured.args!.slice(1));
    expect(record.environ, 'hook environment').toEqual(env);
  });

  requirement('hooks.path-relative-error', 'a hook path that is not absolute makes create an error', async (ctx) => {
    const { bundle, log } = await prepare(ctx, { createRuntime: [{ label: 'relative' }] }, (config) => {
      config.hooks!.createRuntime![0]!.path = 'rootfs/rtconform/hook.sh';
    });
    await refusal(create(ctx, bundle));
    await expectDestroyed(ctx);
    await expectProgramNeverRan(log);
  });

  requirement('hooks.timeout-aborts', 'a hook still running after its timeout is aborted and create fails', async (ctx) => {
    const { bundle, log } = await prepare(ctx, { createRuntime: [{ label: 'hang', action: 'hang', timeout: 1 }] });
    const started = Date.now();
    // A create still running at 15 s has already failed the requirement: no need to wait longer.
    await refusal(ctx.runtime.create(ctx.id, { bundle: bundle.dir, stdio: bundle.stdio, timeoutMs: 15_000, waitTimeoutMs: 40_000 }));
    const elapsedMs = Date.now() - started;
    // The hook sleeps 25 s; a runtime that waited it out did not abort it.
    expect(elapsedMs, 'create must fail well before the hanging hook (25 s) ends').toBeLessThan(15_000);
    await expectDestroyed(ctx);
    await expectProgramNeverRan(log);
  }, { timeout: 60_000 });

  requirement('hooks.timeout-invalid', 'a hook timeout of zero makes create an error', async (ctx) => {
    const { bundle, log } = await prepare(ctx, { createRuntime: [{ label: 'zero' }] }, (config) => {
      config.hooks!.createRuntime![0]!.timeout = 0;
    });
    // Refused at once or not at all: a create that hangs 15 s has failed it.
    await refusal(ctx.runtime.create(ctx.id, { bundle: bundle.dir, stdio: bundle.stdio, timeoutMs: 15_000 }));
    await expectDestroyed(ctx);
    await expectProgramNeverRan(log);
  });

  requirement('hooks.prestart.called', 'prestart hooks run during create', async (ctx) => {
    const { afterCreate } = await lifecycle(ctx, ['prestart']);
    expect(labelsOf(afterCreate), 'log once create returned').toEqual(['prestart#1', 'prestart#2']);
  });

  requirement('hooks.prestart.before-create-runtime', 'prestart hooks run before the createRuntime hooks', async (ctx) => {
    const { afterCreate } = await lifecycle(ctx, ['prestart', 'createRuntime']);
    expect(labelsOf(afterCreate), 'log once create returned').toEqual(['prestart#1', 'prestart#2', 'createRuntime#1', 'createRuntime#2']);
  });

  requirement('hooks.create-runtime.called', 'createRuntime hooks run during create', async (ctx) => {
    const { afterCreate } = await lifecycle(ctx, ['createRuntime']);
    expect(labelsOf(afterCreate), 'log once create returned').toEqual(['createRuntime#1', 'createRuntime#2']);
  });

  requirement('hooks.create-container.called', 'createContainer hooks run during create', async (ctx) => {
    const { afterCreate } = await lifecycle(ctx, ['createContainer']);
    expect(labelsOf(afterCreate), 'log once create returned').toEqual(['createContainer#1', 'createContainer#2']);
  });

  requirement('hooks.create-container.after-create-runtime', 'createContainer hooks run after the createRuntime hooks', async (ctx) => {
    const { afterCreate } = await lifecycle(ctx, ['createRuntime', 'createContainer']);
    expect(labelsOf(afterCreate), 'log once create returned').toEqual(['createRuntime#1', 'createRuntime#2', 'createContainer#1', 'createContainer#2']);
  });

  requirement('hooks.start-container.called', 'startContainer hooks run during start, before the user program', async (ctx) => {
    const { afterCreate, afterDelete } = await lifecycle(ctx, ['startContainer']);
    expect(labelsOf(afterCreate), 'log once create returned').toEqual([]);
    // Start may return before they ran: the spec orders them before the program, not before start returns.
    expect(labelsOf(afterDelete), 'the whole log').toEqual(['startContainer#1', 'startContainer#2', 'program']);
  });

  requirement('hooks.poststart.called', 'poststart hooks run during start, not before', async (ctx) => {
    const { afterCreate, afterStart } = await lifecycle(ctx, ['poststart']);
    expect(labelsOf(afterCreate), 'log once create returned').toEqual([]);
    expect(labelsOf(afterStart).filter((l) => l !== 'program'), 'log once start returned').toEqual(['poststart#1', 'poststart#2']);
  });

  requirement('hooks.poststop.called', 'poststop hooks run during delete, not before', async (ctx) => {
    const { beforeDelete, afterDelete } = await lifecycle(ctx, ['poststop']);
    expect(labelsOf(beforeDelete), 'log once the program was killed').toEqual(['program']);
    expect(labelsOf(afterDelete), 'log once delete returned').toEqual(['program', 'poststop#1', 'poststop#2']);
  });

  const inRuntimeNamespace = (kind: HookKind) => async (ctx: RuntimeTestContext) => {
    const run = await lifecycle(ctx, [kind]);
    expect(recordOf(run.afterDelete, `${kind}#1`).mnt, `mount namespace of the ${kind} hook (the runtime's is ${run.runtimeMnt}, the container's ${run.containerMnt})`).toBe(run.runtimeMnt);
  };
  requirement('hooks.prestart.runtime-namespace', 'prestart hooks run in the runtime\'s mount namespace', inRuntimeNamespace('prestart'));
  requirement('hooks.create-runtime.runtime-namespace', 'createRuntime hooks run in the runtime\'s mount namespace', inRuntimeNamespace('createRuntime'));
  requirement('hooks.poststart.runtime-namespace', 'poststart hooks run in the runtime\'s mount namespace', inRuntimeNamespace('poststart'));
  requirement('hooks.poststop.runtime-namespace', 'poststop hooks run in the runtime\'s mount namespace', inRuntimeNamespace('poststop'));

  requirement('hooks.create-container.container-namespace', 'createContainer hooks run in the container\'s mount namespace', async (ctx) => {
    const run = await lifecycle(ctx, ['createContainer']);
    expect(recordOf(run.afterDelete, 'createContainer#1').mnt, `mount namespace of the createContainer hook (the runtime's is ${run.runtimeMnt})`).toBe(run.containerMnt);
  });

  requirement('hooks.start-container.container-namespace', 'startContainer hooks run in the container\'s mount namespace, path resolved inside it', async (ctx) => {
    const run = await lifecycle(ctx, ['startContainer']);
    expect(recordOf(run.afterDelete, 'startContainer#1').mnt, `mount namespace of the startContainer hook (the runtime's is ${run.runtimeMnt})`).toBe(run.containerMnt);
  });

  requirement('hooks.state-pid', 'the state pid is the runtime\'s view in runtime hooks and the container\'s view in container hooks', async (ctx) => {
    const run = await lifecycle(ctx, ['createRuntime', 'createContainer', 'startContainer', 'poststart']);
    const seen = Object.fromEntries(['createRuntime', 'createContainer', 'startContainer', 'poststart'].map((k) => [k, stateOf(recordOf(run.afterDelete, `${k}#1`)).pid]));
    expect(seen, `pid in each hook's state (runtime view ${run.created.pid}, container view ${run.innerPid})`).toEqual({
      createRuntime: run.created.pid, createContainer: run.innerPid, startContainer: run.innerPid, poststart: run.created.pid,
    });
  });

  const createFailsWith = (kind: HookKind) => async (ctx: RuntimeTestContext) => {
    const { bundle, log } = await prepare(ctx, { [kind]: [{ label: 'fails', action: 'fail' }] });
    await refusal(create(ctx, bundle));
    expect(labelsOf(await log()), 'the failing hook ran').toContain('fails');
    await expectDestroyed(ctx);
    await expectProgramNeverRan(log);
  };
  requirement('hooks.prestart.failure', 'a failing prestart hook makes create fail, and the container is destroyed', createFailsWith('prestart'));
  requirement('hooks.create-runtime.failure', 'a failing createRuntime hook makes create fail, and the container is destroyed', createFailsWith('createRuntime'));
  requirement('hooks.create-container.failure', 'a failing createContainer hook makes create fail, and the container is destroyed', createFailsWith('createContainer'));

  requirement('hooks.start-container.failure', 'a failing startContainer hook makes start fail, and the container is destroyed', async (ctx) => {
    const { bundle, log } = await prepare(ctx, { startContainer: [{ label: 'fails', action: 'fail' }] });
    await create(ctx, bundle);
    await refusal(ctx.runtime.start(ctx.id));
    expect(labelsOf(await log()), 'the failing hook ran').toContain('fails');
    await expectDestroyed(ctx);
    await expectProgramNeverRan(log);
  });

  requirement('hooks.poststart.failure-continues', 'a failing poststart hook only warns: start succeeds, the program runs on, the next hook runs', async (ctx) => {
    const { bundle, log } = await prepare(ctx, { poststart: [{ label: 'fails', action: 'fail' }, { label: 'next' }] });
    await create(ctx, bundle);
    await ctx.runtime.start(ctx.id);
    await programStarted(log);
    expect(await ctx.runtime.status(ctx.id), 'status after start').toBe('running');
    expect(labelsOf(await log()).filter((l) => l !== 'program'), 'poststart hooks that ran').toEqual(['fails', 'next']);
    await stopAndDelete(ctx);
  });

  requirement('hooks.poststart.failure-stops', 'a failing poststart hook makes start fail, and the container is stopped and destroyed', async (ctx) => {
    const { bundle, log } = await prepare(ctx, { poststart: [{ label: 'fails', action: 'fail' }, { label: 'next' }] });
    await create(ctx, bundle);
    await refusal(ctx.runtime.start(ctx.id));
    expect(labelsOf(await log()), 'the failing hook ran').toContain('fails');
    await expectDestroyed(ctx);
  });

  requirement('hooks.poststop.failure-continues', 'a failing poststop hook only warns: delete succeeds and the next hook runs', async (ctx) => {
    const { bundle, log } = await prepare(ctx, { poststop: [{ label: 'fails', action: 'fail' }, { label: 'next' }] });
    await create(ctx, bundle);
    await ctx.runtime.start(ctx.id);
    await programStarted(log);
    await stopAndDelete(ctx);
    expect(labelsOf(await log()), 'the log once delete returned').toEqual(['program', 'fails', 'next']);
    await expectDestroyed(ctx);
  });
});

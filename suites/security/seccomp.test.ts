import { join } from 'node:path';
import { expect } from 'vitest';
import { z } from 'zod';
import { runProbe } from '../../src/fixtures/probe.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { unsupportedByItsOwnWord } from '../../src/fixtures/unsupported.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { ownDir } from '../../src/fixtures/own-dir.js';
import { shellOnTarget, tryShellOnTarget } from '../../src/fixtures/shell-on-target.js';
import { commandPath } from '../../src/runtime/process-runner.js';
import { UnsupportedOperationError } from '../../src/runtime/errors.js';
import { waitFor } from '../../src/util/wait.js';
import { acceptedWithout, another, expectControlsDiffer, skipWhereControlsSame } from '../control.js';
import { ALL_SYSCALLS } from './syscalls.js';

type SyscallRule = {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
};
type SeccompProfile = {
  defaultAction: string;
  defaultErrnoRet?: number;
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: SyscallRule[];
};

/**
 * Errors a seccomp rule can return, with the words busybox prints for them (glibc's and musl's
 * strerror agree on these). ENOSPC is what no mkdir on an ordinary directory would fail with
 * by itself, so seeing it proves the rule, not the filesystem, answered.
 */
const EPERM = { errno: 1, message: 'Operation not permitted' };
const ENOSPC = { errno: 28, message: 'No space left on device' };

/** The mkdir family: busybox's mkdir uses one or the other depending on libc and architecture. */
const MKDIR = ['mkdir', 'mkdirat'];

/**
 * Shell lines that try commands and report each as `attempt LABEL STATUS ERROR`, ERROR being
 * the end of the command's message (busybox ends each with `: <strerror>`), empty on success.
 */
const ATTEMPT = 'attempt() { label=$1; shift; out=$("$@" 2>&1); status=$?; echo "attempt $label $status ${out##*: }"; }';

type Attempts = Record<string, { status: number; error: string }>;

const SeccompFeatures = z.looseObject({
  enabled: z.boolean().nullish(),
  actions: z.array(z.string()).nullish(),
  operators: z.array(z.string()).nullish(),
});

/**
 * Skips where seccomp cannot be checked: a runtime that isolates nothing, or one whose
 * `features` says it was built without seccomp. True (the test is done) where its features do
 * not list the action `needed` and it refused a config asking for it.
 */
async function requireSeccomp(ctx: RuntimeTestContext, needed: { action?: string } = {}): Promise<boolean> {
  skipIfLimited(ctx, 'noProcessIsolation');
  let seccomp: z.infer<typeof SeccompFeatures> | undefined;
  try {
    seccomp = SeccompFeatures.safeParse((await ctx.runtime.features()).linux?.seccomp).data;
  } catch (error) {
    // Without a features verb there is nothing to read: the test itself decides.
    if (error instanceof UnsupportedOperationError) return false;
    throw error;
  }
  if (seccomp?.enabled === false) ctx.skip(`${ctx.runtime.name} features reports seccomp as not enabled (built without libseccomp)`);
  const action = needed.action;
  if (action === undefined) return false;
  return unsupportedByItsOwnWord(ctx, {
    list: 'seccompActions', needs: [action],
    trial: (b) => b.edit((c) => void (c.linux = { ...c.linux, seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action }] } })),
  });
}

/** Runs `commands` (ATTEMPT lines) as the container process under `profile` and returns what each attempt gave. */
async function attempts(ctx: RuntimeTestContext, profile: SeccompProfile | undefined, commands: string[], id = ctx.id): Promise<Attempts> {
  const b = await ctx.bundle((c) => c.shell([ATTEMPT, ...commands].join('\n')).edit((config) => {
    if (profile) config.linux = { ...config.linux, seccomp: profile };
  }));
  const { exitCode } = await ctx.runtime.run(id, { bundle: b.dir, stdio: b.stdio, timeoutMs: 20_000 });
  const output = await b.output();
  expect(exitCode, `the container's exit code; it printed:\n${output}${await b.errorOutput()}`).toBe(0);
  const results: Attempts = {};
  for (const line of output.split('\n')) {
    const m = /^attempt (\S+) (\d+) ?(.*)$/.exec(line);
    if (m) results[m[1]!] = { status: Number(m[2]), error: m[3]! };
  }
  return results;
}

const ok = { status: 0, error: '' };
const failedWith = (e: { message: string }): { status: number; error: string } => ({ status: 1, error: e.message });

/** Makes a directory and a file: mkdir is what the profiles below catch, touch what they leave alone. */
const MKDIR_AND_TOUCH = ['attempt mkdir mkdir /tmp/rtc-dir', 'attempt touch touch /tmp/rtc-file'];

/** Every syscall allowed but the mkdir family, which falls to the default action. */
const allowAllBut = (excluded: string[]): SyscallRule[] => [{ names: ALL_SYSCALLS.filter((n) => !excluded.includes(n)), action: 'SCMP_ACT_ALLOW' }];

/**
 * The control of a test's attempts: the same commands without a seccomp profile, each of which
 * must end otherwise than the test expects under its profile (for a command the profile leaves
 * alone, the same: those are left out). Runs after the test's own checks.
 */
async function expectControlsDifferWithoutProfile(ctx: RuntimeTestContext, commands: string[], expected: Attempts, untouched: string[]): Promise<void> {
  const control = await attempts(ctx, undefined, commands, ctx.newId());
  const touched = (a: Attempts): Attempts => Object.fromEntries(Object.entries(a).filter(([label]) => !untouched.includes(label)));
  expectControlsDiffer('the same commands without a seccomp profile', touched(expected), control);
}

describeRuntimes('security: seccomp', (requirement) => {
  requirement('linux.seccomp.syscall-action', 'a syscall named in an SCMP_ACT_ERRNO rule fails; the probe shows a seccomp filter', async (ctx) => {
    await requireSeccomp(ctx);
    const profile: SeccompProfile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_ERRNO', errnoRet: ENOSPC.errno }] };
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.linux = { ...c.linux, seccomp: profile })));
    expect(observation.seccomp, 'Seccomp mode in /proc/<pid>/status (2: filter)').toBe(2);
    // Without the profile the same commands succeed: the failure below is the rule's doing.
    expect(await attempts(ctx, undefined, MKDIR_AND_TOUCH, ctx.newId()), 'the commands without a seccomp profile').toEqual({ mkdir: ok, touch: ok });
    expect(await attempts(ctx, profile, MKDIR_AND_TOUCH, ctx.newId()), 'the commands under a profile that makes mkdir fail').toEqual({
      mkdir: failedWith(ENOSPC), touch: ok,
    });
    // The control of the mode: without a profile the process has no filter, unless the runtime
    // itself runs under one (a Docker container's default profile), which the process inherits.
    const control = await runProbe(another(ctx));
    skipWhereControlsSame(ctx, 'Seccomp mode of a process without a seccomp profile', { seccomp: 2 }, { seccomp: control.observation.seccomp },
      `the filter ${ctx.runtime.name} itself runs under, which the process inherits`);
  });

  requirement('linux.seccomp.errno-ret', 'a rule returns its errnoRet, and EPERM when it has none', async (ctx) => {
    await requireSeccomp(ctx);
    const profile: SeccompProfile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: MKDIR, action: 'SCMP_ACT_ERRNO', errnoRet: ENOSPC.errno },
        { names: ['unlink', 'unlinkat'], action: 'SCMP_ACT_ERRNO' },
      ],
    };
    const commands = [...MKDIR_AND_TOUCH, 'attempt rm rm /tmp/rtc-file'];
    const expected = { mkdir: failedWith(ENOSPC), touch: ok, rm: failedWith(EPERM) };
    const results = await attempts(ctx, profile, commands);
    expect(results, 'mkdir under errnoRet 28, rm under a rule without errnoRet').toEqual(expected);
    await expectControlsDifferWithoutProfile(ctx, commands, expected, ['touch']);
  });

  requirement('linux.seccomp.default-action', 'a syscall no rule matches gets the default action (SCMP_ACT_ERRNO: EPERM)', async (ctx) => {
    await requireSeccomp(ctx);
    const profile: SeccompProfile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: allowAllBut(MKDIR) };
    const expected = { mkdir: failedWith(EPERM), touch: ok };
    expect(await attempts(ctx, profile, MKDIR_AND_TOUCH), 'mkdir matches no rule; touch is allowed by one').toEqual(expected);
    await expectControlsDifferWithoutProfile(ctx, MKDIR_AND_TOUCH, expected, ['touch']);
  });

  requirement('linux.seccomp.default-errno-ret', 'a syscall no rule matches returns defaultErrnoRet', async (ctx) => {
    await requireSeccomp(ctx);
    const profile: SeccompProfile = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: ENOSPC.errno, syscalls: allowAllBut(MKDIR) };
    const expected = { mkdir: failedWith(ENOSPC), touch: ok };
    expect(await attempts(ctx, profile, MKDIR_AND_TOUCH), 'mkdir matches no rule, defaultErrnoRet is 28').toEqual(expected);
    await expectControlsDifferWithoutProfile(ctx, MKDIR_AND_TOUCH, expected, ['touch']);
  });

  requirement('linux.seccomp.args', 'a rule with args matches only calls that meet every condition', async (ctx) => {
    await requireSeccomp(ctx);
    // kill(pid, sig) caught only for pid 1 (the container process itself) AND signal 0.
    const profile: SeccompProfile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{
        names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSPC.errno,
        args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 0, op: 'SCMP_CMP_EQ' }],
      }],
    };
    const commands = [
      'sleep 600 & other=$!',
      'attempt both kill -0 1',
      'attempt pid-only kill -CONT 1',
      'attempt signal-only kill -0 $other',
      'kill $other',
    ];
    const expected = { 'both': failedWith(ENOSPC), 'pid-only': ok, 'signal-only': ok };
    expect(await attempts(ctx, profile, commands), 'kill with both conditions met, with only the pid, with only the signal').toEqual(expected);
    // The calls that meet one condition only are the rule's own controls; the one that meets
    // both must succeed without the profile.
    await expectControlsDifferWithoutProfile(ctx, commands, expected, ['pid-only', 'signal-only']);
  });

  requirement('linux.seccomp.errno-ret-unsupported', 'errnoRet on an SCMP_ACT_KILL rule is an error and creates nothing', async (ctx) => {
    await requireSeccomp(ctx);
    const profile: SeccompProfile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_KILL', errnoRet: EPERM.errno }] };
    const b = await ctx.bundle((c) => c.args('true').edit((config) => void (config.linux = { ...config.linux, seccomp: profile })));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await refusal(ctx.runtime.state(ctx.id));
    const without: SeccompProfile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_KILL' }] };
    await acceptedWithout(ctx, 'errnoRet on the SCMP_ACT_KILL rule', (c) => c.args('true').edit((config) => void (config.linux = { ...config.linux, seccomp: without })));
  });

  requirement('linux.seccomp.notify-send-error', 'SCMP_ACT_NOTIFY with nothing listening at listenerPath is an error and creates nothing', async (ctx) => {
    if (await requireSeccomp(ctx, { action: 'SCMP_ACT_NOTIFY' })) return;
    const profile: SeccompProfile = {
      defaultAction: 'SCMP_ACT_ALLOW', listenerPath: join(ctx.workDir, 'nobody-listens.sock'),
      syscalls: [{ names: MKDIR, action: 'SCMP_ACT_NOTIFY' }],
    };
    const b = await ctx.bundle((c) => c.args('true').edit((config) => void (config.linux = { ...config.linux, seccomp: profile })));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await refusal(ctx.runtime.state(ctx.id));
    // The control: the same rule with an action that needs no listener.
    const without: SeccompProfile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_ERRNO' }] };
    await acceptedWithout(ctx, 'SCMP_ACT_NOTIFY with nothing listening at listenerPath', (c) => c.args('true').edit((config) => void (config.linux = { ...config.linux, seccomp: without })));
  });

  requirement('linux.seccomp.notify-state', 'SCMP_ACT_NOTIFY sends the container state to listenerPath, once, then closes the connection', async (ctx) => {
    if (await requireSeccomp(ctx, { action: 'SCMP_ACT_NOTIFY' })) return;
    if ((await commandPath(ctx.runner, 'socat')) === undefined) ctx.skip(`socat is not on the ${ctx.selection.target.description} (apt-get install -y socat): the listener needs it`);
    // The listener runs where the runtime runs, its socket in a dir that can hold one (ownDir).
    // socat keeps each connection's bytes in conn.N, and conn.N.end once the runtime closed it
    // (no ':' in its command: socat 1.8 splits addresses at colons).
    // The seccomp fd that comes with them (SCM_RIGHTS) it drops: the state and the end are checked.
    // Short names: a unix socket's path may not exceed 107 bytes, and the test's dir is deep.
    const dir = ownDir(ctx, 'l');
    const socket = join(dir, 's');
    if (socket.length > 107) ctx.skip(`the listener path ${socket} is longer than a unix socket path may be`);
    const listener = await shellOnTarget(ctx, `mkdir -p "$1" && cd "$1" && { setsid socat -u UNIX-LISTEN:s,fork SYSTEM:'cat > conn.$$; touch conn.$$.end' </dev/null >/dev/null 2>&1 & echo $!; }`, dir);
    try {
      await waitFor(async () => ((await tryShellOnTarget(ctx, 'test -S "$1"', socket)).ok ? true : undefined), { timeoutMs: 10_000, who: 'rtconform', description: `the listener at ${socket}` });
      const profile: SeccompProfile = {
        defaultAction: 'SCMP_ACT_ALLOW', listenerPath: socket, listenerMetadata: 'rtc-metadata',
        syscalls: [{ names: MKDIR, action: 'SCMP_ACT_NOTIFY' }],
      };
      const b = await ctx.bundle((c) => c.args('true').edit((config) => void (config.linux = { ...config.linux, seccomp: profile })));
      await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
      const { pid } = await ctx.runtime.state(ctx.id);
      // A runtime may load the filter, and so send its fd, only at start, right before the exec.
      await ctx.runtime.start(ctx.id);
      /** Each connection's bytes, and whether the runtime had closed it. */
      const connections = async (): Promise<{ data: string; ended: boolean }[]> => {
        const names = (await shellOnTarget(ctx, 'cd "$1" && ls', dir)).split('\n').filter((n) => /^conn\.\d+$/.test(n));
        // The end first, then the bytes: read the other way, a connection that closed between the
        // two reads showed as ended with the bytes of before (empty).
        return Promise.all(names.map(async (n) => {
          const ended = (await tryShellOnTarget(ctx, 'test -e "$1"', join(dir, `${n}.end`))).ok;
          return { data: await shellOnTarget(ctx, 'cat "$1"', join(dir, n)), ended };
        }));
      };
      const seen = await waitFor(async (report) => {
        const now = await connections();
        report({ connections: now, listenerDir: await tryShellOnTarget(ctx, 'ls -la "$1"', dir).then((r) => r.text) });
        return now.length > 0 && now.every((c) => c.ended) ? now : undefined;
      }, { timeoutMs: 10_000, who: 'runtime', description: 'the runtime to send the state to listenerPath and close the connection' });
      expect(seen.length, 'connections made to listenerPath').toBe(1);
      const sent: unknown = JSON.parse(seen[0]!.data);
      expect(sent, 'the container process state sent to listenerPath').toMatchObject({
        ociVersion: expect.any(String),
        fds: expect.arrayContaining(['seccompFd']),
        pid,
        metadata: 'rtc-metadata',
        state: { id: ctx.id, pid, bundle: b.dir, status: expect.stringMatching(/^(creating|created)$/) },
      });
    } finally {
      // The listener and any connection it still holds: its session's process group.
      await tryShellOnTarget(ctx, 'kill -s KILL -- "-$1"', listener);
    }
  });
});

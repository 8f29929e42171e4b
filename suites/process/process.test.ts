import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { RuntimeError } from '../../src/runtime/errors.js';
import { runProbe } from '../../src/fixtures/probe.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import type { Observation } from '../../src/probe/observation.js';
import { runtimeStartedBy } from '../../src/fixtures/reopen-runtime.js';
import { acceptedWithout, another, expectControlsDiffer, skipWhereControlsSame } from '../control.js';

/** A user every rootfs has no entry for: ids must come from the config, not from /etc/passwd. */
const UID = 1234;
const GID = 2345;
/**
 * None of them in the default config's sets (CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE),
 * and none inheritable or ambient there: each set differs from the control in every capability.
 */
const GRANTED = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER'];
const CARRIED = ['CAP_FOWNER'];

/**
 * The control of most tests here: what the probe sees in a container of the default config, the
 * one each test changes by its entries. One run per runtime and test file (like readCgroups).
 */
const plainViews = new Map<string, Promise<Observation>>();
function plain(ctx: RuntimeTestContext): Promise<Observation> {
  let view = plainViews.get(ctx.selection.key);
  if (!view) {
    view = runProbe(another(ctx)).then(({ observation }) => observation);
    // A failed run is not remembered: the next test tries again and fails with its own error.
    void view.catch(() => plainViews.delete(ctx.selection.key));
    plainViews.set(ctx.selection.key, view);
  }
  return view;
}

describeRuntimes('process: args, env, cwd, user, umask, rlimits, capabilities, no_new_privs, oom_score_adj', (requirement) => {
  // No control run: without them the process has the probe's path alone as its args.
  requirement('config.process.args', 'the process runs with exactly the configured args', async (ctx) => {
    const { observation, config } = await runProbe(ctx, undefined, { args: ['plain', 'two words', '', '--flag=x'] });
    expect(observation.args).toEqual(config.process?.args);
  });

  requirement('config.process.env', 'the process environment holds every configured variable', async (ctx) => {
    const env = ['RTC_ONE=1', 'RTC_SPACES=a b  c', 'RTC_EMPTY='];
    const { observation } = await runProbe(ctx, (b) => b.env(...env));
    expect(observation.env).toEqual(expect.arrayContaining(env));
    const control = (await plain(ctx)).env;
    expectControlsDiffer('the environment of the default config', Object.fromEntries(env.map((e) => [e, true])), Object.fromEntries(env.map((e) => [e, control.includes(e)])));
  });

  requirement('config.process.cwd', 'the process starts in the configured working directory', async (ctx) => {
    const { observation } = await runProbe(ctx, (b) => b.cwd('/tmp'));
    expect(observation.cwd).toBe('/tmp');
    expectControlsDiffer('the working directory of the default config', { cwd: '/tmp' }, { cwd: (await plain(ctx)).cwd });
  });

  requirement('config.process.user', 'the process runs with the configured uid and gid (real, effective, saved, fs)', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.user({ uid: UID, gid: GID }));
    expect(observation.uid).toEqual({ real: UID, effective: UID, saved: UID, fs: UID });
    expect(observation.gid).toEqual({ real: GID, effective: GID, saved: GID, fs: GID });
    const control = await plain(ctx);
    expectControlsDiffer('the ids of the default config\'s user', { uid: UID, gid: GID }, { uid: control.uid.real, gid: control.gid.real });
  });

  requirement('config.process.additional-gids', 'the process has the configured additional groups', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const gids = [5, 3000];
    const { observation } = await runProbe(ctx, (b) => b.user({ uid: UID, gid: GID, additionalGids: gids }));
    expect(observation.groups).toEqual(expect.arrayContaining(gids));
    // The control: the same user without additionalGids (the rootfs's /etc/group lists no group for it).
    const control = await runProbe(another(ctx), (b) => b.user({ uid: UID, gid: GID }));
    expectControlsDiffer(`the groups of uid ${UID} without additionalGids`, Object.fromEntries(gids.map((g) => [g, true])),
      Object.fromEntries(gids.map((g) => [g, control.observation.groups.includes(g)])));
  });

  requirement('config.process.umask', 'the process starts with the configured umask', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.user({ uid: 0, gid: 0, umask: 0o027 }));
    expect(observation.umask).toBe('0027');
    expectControlsDiffer('the umask of the default config (no umask)', { umask: '0027' }, { umask: (await plain(ctx)).umask });
  });

  requirement('config.process.rlimits', 'each configured rlimit is set, soft and hard', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // Lowering only: raising a hard limit needs CAP_SYS_RESOURCE, which a container target may
    // lack. A soft core limit of 1024, not 0: 0 is what most machines give a process anyway.
    const rlimits = { RLIMIT_NOFILE: { soft: 512, hard: 768 }, RLIMIT_CORE: { soft: 1024, hard: 4096 } };
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => {
      c.process!.rlimits = Object.entries(rlimits).map(([type, limit]) => ({ type, ...limit }));
    }));
    expect(observation.rlimits.RLIMIT_NOFILE).toEqual(rlimits.RLIMIT_NOFILE);
    expect(observation.rlimits.RLIMIT_CORE).toEqual(rlimits.RLIMIT_CORE);
    // The control: no rlimits, so the process keeps the limits it inherits from the runtime.
    const control = await runProbe(another(ctx), (b) => b.edit((c) => void (c.process!.rlimits = [])));
    const halves = (read: (type: string) => { soft: unknown; hard: unknown } | undefined): Record<string, unknown> =>
      Object.fromEntries(Object.keys(rlimits).flatMap((type) => [[`${type} soft`, read(type)?.soft], [`${type} hard`, read(type)?.hard]]));
    skipWhereControlsSame(ctx, 'the limits without process.rlimits', halves((t) => rlimits[t as keyof typeof rlimits]),
      halves((t) => control.observation.rlimits[t]), `the limit ${ctx.runtime.name} runs with, which the process inherits`);
  });

  requirement('config.process.rlimits-invalid', 'an rlimit type the platform does not know is an error', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const b = await ctx.bundle((c) => c.args('true').edit((config) => {
      config.process!.rlimits = [{ type: 'RLIMIT_NO_SUCH_LIMIT', soft: 1, hard: 1 }];
    }));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, 'RLIMIT_NO_SUCH_LIMIT', (c) => c.args('true').edit((config) => void (config.process!.rlimits = [])));
  });

  type CapabilitySet = keyof Observation['capabilities'];
  /**
   * Grants GRANTED, with CARRIED also inheritable and ambient, and checks `set` is exactly what
   * was configured; then that the default config's set (the control) lacks each of them.
   */
  const capabilitySet = async (ctx: RuntimeTestContext, set: CapabilitySet): Promise<void> => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const configured = { bounding: GRANTED, effective: GRANTED, permitted: GRANTED, inheritable: CARRIED, ambient: CARRIED };
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.process!.capabilities = configured)));
    expect(observation.capabilities[set]).toEqual(configured[set]);
    const control = (await plain(ctx)).capabilities[set];
    expectControlsDiffer(`the ${set} set of the default config`, Object.fromEntries(configured[set].map((cap) => [cap, true])),
      Object.fromEntries(configured[set].map((cap) => [cap, control.includes(cap)])));
  };

  requirement('config.process.capabilities.bounding', 'the bounding set is exactly the configured one', (ctx) => capabilitySet(ctx, 'bounding'));
  requirement('config.process.capabilities.effective', 'the effective set is exactly the configured one', (ctx) => capabilitySet(ctx, 'effective'));
  requirement('config.process.capabilities.permitted', 'the permitted set is exactly the configured one', (ctx) => capabilitySet(ctx, 'permitted'));
  requirement('config.process.capabilities.inheritable', 'the inheritable set is exactly the configured one', (ctx) => capabilitySet(ctx, 'inheritable'));
  requirement('config.process.capabilities.ambient', 'the ambient set is exactly the configured one', (ctx) => capabilitySet(ctx, 'ambient'));

  requirement('config.process.capabilities.unknown-no-fail', 'a capability the kernel does not know does not make the container fail', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation, exitCode } = await runProbe(ctx, (b) => b.edit((c) => {
      const caps = ['CAP_KILL', 'CAP_RTCONFORM_NO_SUCH'];
      c.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
    }));
    expect(exitCode).toBe(0);
    expect(observation.capabilities.effective).toEqual(['CAP_KILL']);
  });

  requirement('config.process.capabilities.unknown-error', 'a capability the kernel does not know makes create fail, and nothing is left', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const b = await ctx.bundle((c) => c.args('true').edit((config) => {
      const caps = ['CAP_KILL', 'CAP_RTCONFORM_NO_SUCH'];
      config.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
    }));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    expect(await ctx.runtime.state(ctx.id).then((s) => s.status, () => 'gone'), 'the container after the failed create').toBe('gone');
    await acceptedWithout(ctx, 'CAP_RTCONFORM_NO_SUCH', (c) => c.args('true').edit((config) => {
      const caps = ['CAP_KILL'];
      config.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
    }));
  });

  requirement('config.process.capabilities.unknown-warns', 'a capability the kernel does not know is named in a warning (or in the error, if the runtime refuses)', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const unknown = 'CAP_RTCONFORM_NO_SUCH';
    const b = await ctx.bundle((c) => c.args('true').edit((config) => {
      const caps = ['CAP_KILL', unknown];
      config.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
    }));
    const logFile = join(ctx.workDir, 'runtime.log');
    try {
      await ctx.runtime.run(ctx.id, { bundle: b.dir, stdio: b.stdio, logFile });
    } catch (error) {
      if (!(error instanceof RuntimeError)) throw error;
      expect(error.message, 'the runtime refused the config: its error').toContain(unknown.replace(/^CAP_/, ''));
      return;
    }
    // Where a runtime can warn: its log (--log) and its own stderr, which is the container's here.
    const said = `${await readFile(logFile, 'utf8').catch(() => '')}\n${await b.errorOutput()}`;
    expect(said, `what the runtime logged and printed while running a container with ${unknown}`).toMatch(new RegExp(unknown.replace(/^CAP_/, ''), 'i'));
  });

  requirement('config.process.scheduler', 'process.scheduler sets the policy and nice value', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // SCHED_BATCH with a positive nice: no privilege needed, and neither is the default.
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7, priority: 0 })));
    expect(observation.scheduler, 'policy (3 = SCHED_BATCH), nice and realtime priority from /proc/self/stat').toEqual({ policy: 3, nice: 7, rtPriority: 0 });
    // priority 0 is left out: it is what SCHED_BATCH requires, and what any non-realtime policy reads.
    const control = (await plain(ctx)).scheduler;
    expectControlsDiffer('the scheduling of the default config (no scheduler)', { policy: 3, nice: 7 }, { policy: control?.policy, nice: control?.nice });
  });

  requirement('config.process.io-priority', 'process.ioPriority sets the I/O class and level', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 5 })));
    if (observation.ioPriority === null) return ctx.skip('ionice is not available in the container to read the I/O priority');
    const expected = { class: 'best-effort', level: 5 };
    expect(observation.ioPriority, 'ionice -p of the container process').toEqual(expected);
    const control = (await plain(ctx)).ioPriority;
    expectControlsDiffer('the I/O priority of the default config (no ioPriority)', expected, { class: control?.class, level: control?.level });
  });

  requirement('config.process.no-new-privileges', 'noNewPrivileges sets no_new_privs; without it the flag stays clear', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const on = await runProbe(ctx, (b) => b.edit((c) => void (c.process!.noNewPrivileges = true)));
    expect(on.observation.noNewPrivs).toBe(true);
    const off = await runProbe({ ...ctx, id: ctx.newId() }, (b) => b.edit((c) => void (c.process!.noNewPrivileges = false)));
    expect(off.observation.noNewPrivs).toBe(false);
  });

  requirement('config.process.oom-score-adj', 'the process has the configured oom_score_adj', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.process!.oomScoreAdj = 321)));
    expect(observation.oomScoreAdj).toBe(321);
    expectControlsDiffer('oom_score_adj of the default config (no oomScoreAdj)', { oomScoreAdj: 321 }, { oomScoreAdj: (await plain(ctx)).oomScoreAdj });
  });

  requirement('config.process.rlimits-duplicate', 'two rlimits of the same type are an error', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const b = await ctx.bundle((c) => c.args('true').edit((config) => {
      config.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 512 }, { type: 'RLIMIT_NOFILE', soft: 256, hard: 256 }];
    }));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, 'the second RLIMIT_NOFILE', (c) => c.args('true').edit((config) => {
      config.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 512 }];
    }));
  });

  requirement('config.process.oom-score-adj-unset', 'without oomScoreAdj the process keeps the oom_score_adj it inherits from the runtime', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // The runtime is started with an oom_score_adj of its own, above what processes get where it
    // runs (0, mostly): a runtime that set the process's to a value of its own, or to 0, would
    // pass if the inherited value were that too. Raising it needs no privilege.
    const own = Number((await ctx.runner.run('cat', ['/proc/self/oom_score_adj'], { timeoutMs: 10_000 })).stdout.trim());
    const inherited = Math.min(1000, own + 123);
    if (inherited === own) return ctx.skip(`oom_score_adj is ${own} where ${ctx.runtime.name} runs already: it cannot be raised to tell an inherited value from a runtime's own`);
    const runtime = await runtimeStartedBy(ctx, 'runtime-with-oom-score-adj', '/bin/sh', `echo ${inherited} > /proc/self/oom_score_adj || exit 125`);
    const { observation } = await runProbe({ runtime, id: ctx.id, bundle: ctx.bundle }, (b) => b.edit((c) => void delete c.process!.oomScoreAdj));
    expect(observation.oomScoreAdj, `oom_score_adj of the container process (the runtime's: ${inherited})`).toBe(inherited);
  });
});


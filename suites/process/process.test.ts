import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { RuntimeError } from '../../src/runtime/errors.js';
import { runProbe } from '../../src/fixtures/probe.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';

/** A user every rootfs has no entry for: ids must come from the config, not from /etc/passwd. */
const UID = 1234;
const GID = 2345;
const GRANTED = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

describeRuntimes('process: args, env, cwd, user, umask, rlimits, capabilities, no_new_privs, oom_score_adj', (requirement) => {
  requirement('config.process.args', 'the process runs with exactly the configured args', async (ctx) => {
    const { observation, config } = await runProbe(ctx, undefined, { args: ['plain', 'two words', '', '--flag=x'] });
    expect(observation.args).toEqual(config.process?.args);
  });

  requirement('config.process.env', 'the process environment holds every configured variable', async (ctx) => {
    const { observation } = await runProbe(ctx, (b) => b.env('RTC_ONE=1', 'RTC_SPACES=a b  c', 'RTC_EMPTY='));
    expect(observation.env).toEqual(expect.arrayContaining(['RTC_ONE=1', 'RTC_SPACES=a b  c', 'RTC_EMPTY=']));
  });

  requirement('config.process.cwd', 'the process starts in the configured working directory', async (ctx) => {
    const { observation } = await runProbe(ctx, (b) => b.cwd('/tmp'));
    expect(observation.cwd).toBe('/tmp');
  });

  requirement('config.process.user', 'the process runs with the configured uid and gid (real, effective, saved, fs)', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.user({ uid: UID, gid: GID }));
    expect(observation.uid).toEqual({ real: UID, effective: UID, saved: UID, fs: UID });
    expect(observation.gid).toEqual({ real: GID, effective: GID, saved: GID, fs: GID });
  });

  requirement('config.process.additional-gids', 'the process has the configured additional groups', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.user({ uid: UID, gid: GID, additionalGids: [5, 3000] }));
    expect(observation.groups).toEqual(expect.arrayContaining([5, 3000]));
  });

  requirement('config.process.umask', 'the process starts with the configured umask', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.user({ uid: 0, gid: 0, umask: 0o027 }));
    expect(observation.umask).toBe('0027');
  });

  requirement('config.process.rlimits', 'each configured rlimit is set, soft and hard', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // Lowering only: raising a hard limit needs CAP_SYS_RESOURCE, which a container target may lack.
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => {
      c.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 768 }, { type: 'RLIMIT_CORE', soft: 0, hard: 4096 }];
    }));
    expect(observation.rlimits.RLIMIT_NOFILE).toEqual({ soft: 512, hard: 768 });
    expect(observation.rlimits.RLIMIT_CORE).toEqual({ soft: 0, hard: 4096 });
  });

  requirement('config.process.rlimits-invalid', 'an rlimit type the platform does not know is an error', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const b = await ctx.bundle((c) => c.args('true').edit((config) => {
      config.process!.rlimits = [{ type: 'RLIMIT_NO_SUCH_LIMIT', soft: 1, hard: 1 }];
    }));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
  });

  /** Grants CAP_CHOWN, CAP_KILL and CAP_NET_BIND_SERVICE, with CAP_KILL also inheritable and ambient. */
  const capabilityProbe = (ctx: RuntimeTestContext) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    return runProbe(ctx, (b) => b.edit((c) => {
      c.process!.capabilities = { bounding: GRANTED, effective: GRANTED, permitted: GRANTED, inheritable: ['CAP_KILL'], ambient: ['CAP_KILL'] };
    }));
  };

  requirement('config.process.capabilities.bounding', 'the bounding set is exactly the configured one', async (ctx) => {
    expect((await capabilityProbe(ctx)).observation.capabilities.bounding).toEqual(GRANTED);
  });
  requirement('config.process.capabilities.effective', 'the effective set is exactly the configured one', async (ctx) => {
    expect((await capabilityProbe(ctx)).observation.capabilities.effective).toEqual(GRANTED);
  });
  requirement('config.process.capabilities.permitted', 'the permitted set is exactly the configured one', async (ctx) => {
    expect((await capabilityProbe(ctx)).observation.capabilities.permitted).toEqual(GRANTED);
  });
  requirement('config.process.capabilities.inheritable', 'the inheritable set is exactly the configured one', async (ctx) => {
    expect((await capabilityProbe(ctx)).observation.capabilities.inheritable).toEqual(['CAP_KILL']);
  });
  requirement('config.process.capabilities.ambient', 'the ambient set is exactly the configured one', async (ctx) => {
    expect((await capabilityProbe(ctx)).observation.capabilities.ambient).toEqual(['CAP_KILL']);
  });

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
  });

  requirement('config.process.io-priority', 'process.ioPriority sets the I/O class and level', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void (c.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 5 })));
    if (observation.ioPriority === null) return ctx.skip('ionice is not available in the container to read the I/O priority');
    expect(observation.ioPriority, 'ionice -p of the container process').toEqual({ class: 'best-effort', level: 5 });
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
  });

  requirement('config.process.rlimits-duplicate', 'two rlimits of the same type are an error', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const b = await ctx.bundle((c) => c.args('true').edit((config) => {
      config.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 512 }, { type: 'RLIMIT_NOFILE', soft: 256, hard: 256 }];
    }));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
  });

  requirement('config.process.oom-score-adj-unset', 'without oomScoreAdj the process keeps the oom_score_adj it inherits from the runtime', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // What a process started where the runtime runs inherits: the runtime's own value.
    const inherited = Number((await ctx.runner.run('cat', ['/proc/self/oom_score_adj'], { timeoutMs: 10_000 })).stdout.trim());
    const { observation } = await runProbe(ctx, (b) => b.edit((c) => void delete c.process!.oomScoreAdj));
    expect(observation.oomScoreAdj, 'oom_score_adj of the container process').toBe(inherited);
  });
});


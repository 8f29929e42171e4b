import { expect } from 'vitest';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { type HookKind, type HookPlan, type Prepared, labelsOf, recordOf, stateOf, prepare, create, programStarted, stopAndDelete, lifecycle, expectProgramNeverRan, expectDestroyed } from './helpers.js';

describeRuntimes('hooks: where they run, and what their failure does', (requirement) => {
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

  /** Start fails on the failing hook of `plan`, and the container is destroyed. Returns the log. */
  const startFailsWith = async (ctx: RuntimeTestContext, plan: HookPlan): Promise<Prepared['log']> => {
    const { bundle, log } = await prepare(ctx, plan);
    await create(ctx, bundle);
    await refusal(ctx.runtime.start(ctx.id));
    expect(labelsOf(await log()), 'the failing hook ran').toContain('fails');
    await expectDestroyed(ctx);
    return log;
  };
  /** A started container whose failing `kind` hook is followed by a `next` one, its program running. Returns the log. */
  const runningPastFailing = async (ctx: RuntimeTestContext, kind: HookKind): Promise<Prepared['log']> => {
    const { bundle, log } = await prepare(ctx, { [kind]: [{ label: 'fails', action: 'fail' }, { label: 'next' }] });
    await create(ctx, bundle);
    await ctx.runtime.start(ctx.id);
    await programStarted(log);
    return log;
  };

  requirement('hooks.start-container.failure', 'a failing startContainer hook makes start fail, and the container is destroyed', async (ctx) => {
    await expectProgramNeverRan(await startFailsWith(ctx, { startContainer: [{ label: 'fails', action: 'fail' }] }));
  });

  requirement('hooks.poststart.failure-continues', 'a failing poststart hook only warns: start succeeds, the program runs on, the next hook runs', async (ctx) => {
    const log = await runningPastFailing(ctx, 'poststart');
    expect(await ctx.runtime.status(ctx.id), 'status after start').toBe('running');
    expect(labelsOf(await log()).filter((l) => l !== 'program'), 'poststart hooks that ran').toEqual(['fails', 'next']);
    await stopAndDelete(ctx);
  });

  requirement('hooks.poststart.failure-stops', 'a failing poststart hook makes start fail, and the container is stopped and destroyed', async (ctx) => {
    await startFailsWith(ctx, { poststart: [{ label: 'fails', action: 'fail' }, { label: 'next' }] });
  });

  requirement('hooks.poststop.failure-continues', 'a failing poststop hook only warns: delete succeeds and the next hook runs', async (ctx) => {
    const log = await runningPastFailing(ctx, 'poststop');
    await stopAndDelete(ctx);
    expect(labelsOf(await log()), 'the log once delete returned').toEqual(['program', 'fails', 'next']);
    await expectDestroyed(ctx);
  });
});

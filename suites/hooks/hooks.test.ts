import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { RuntimeError } from '../../src/runtime/errors.js';
import { ControlError } from '../control.js';
import type { OciConfig } from '../../src/spec/config.js';
import { KINDS, PATH_ENV, labelsOf, recordOf, stateOf, prepare, create, lifecycle, expectProgramNeverRan, expectDestroyed, type HookPlan } from './helpers.js';

/**
 * The control of a refused hook: the same hook, `entry` put right as `plan` says, is created.
 * Where even that is refused, the refusal said nothing of the entry.
 */
async function createdWithout(ctx: RuntimeTestContext, entry: string, plan: HookPlan): Promise<void> {
  const { bundle } = await prepare(ctx, plan);
  try {
    await ctx.runtime.create(ctx.newId(), { bundle: bundle.dir, stdio: bundle.stdio, timeoutMs: 15_000 });
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    throw new ControlError(`the same hook without ${entry} is refused too, so the refusal says nothing of it: ${error.message}`);
  }
}

describeRuntimes('hooks: when they run and with what', (requirement) => {
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
    await createdWithout(ctx, 'the relative hook path (the absolute one instead)', { createRuntime: [{ label: 'absolute' }] });
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
    await createdWithout(ctx, 'the timeout of zero (5 s instead)', { createRuntime: [{ label: 'five', timeout: 5 }] });
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
});

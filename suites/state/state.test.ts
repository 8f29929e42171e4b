import { realpath } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { expect } from 'vitest';
import { prettifyError } from 'zod';
import { OciStateSchema } from '../../src/spec/state.js';
import { processExists } from '../../src/fixtures/process-exists.js';
import { describeRuntimes } from '../../src/fixtures/test-context.js';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { runtimeWithOwnRoot } from '../../src/fixtures/reopen-runtime.js';

describeRuntimes('state', (requirement) => {
  requirement('state.required-fields', 'state has ociVersion, id, status and bundle as strings', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    const state = await runtime.state(id);
    for (const field of ['ociVersion', 'id', 'status', 'bundle'] as const) expect(typeof state[field], field).toBe('string');
    expect(state.ociVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  requirement('state.schema', 'state follows the spec\'s state schema while created, running and stopped', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600').annotation('org.rtconform.test', 'schema'));
    const problems: Record<string, string> = {};
    const check = async (step: string): Promise<void> => {
      const state = await runtime.state(id);
      const parsed = OciStateSchema.safeParse(state);
      problems[step] = parsed.success ? 'ok' : `${prettifyError(parsed.error)}\nin ${JSON.stringify(state)}`;
    };
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await check('created');
    await runtime.start(id);
    await check('running');
    await runtime.kill(id, 'KILL');
    await waitForStatus(runtime, id, 'stopped');
    await check('stopped');
    expect(problems, 'state output against the state schema, per status').toEqual({ created: 'ok', running: 'ok', stopped: 'ok' });
  });

  requirement('state.id', 'state reports the id the container was created with', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    expect((await runtime.state(id)).id).toBe(id);
  });

  requirement('state.pid', 'state has the pid of the container process, as the runtime\'s namespace sees it, while created and running', async (ctx) => {
    const { runtime, id, bundle } = ctx;
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    const created = await runtime.state(id);
    expect(created.pid, 'state pid while created').toBeTypeOf('number');
    expect(created.pid).toBeGreaterThan(0);
    await runtime.start(id);
    const running = await runtime.state(id);
    expect(running.pid, 'state pid while running').toBeTypeOf('number');
    expect(running.pid).toBeGreaterThan(0);
    expect(running.pid).toBe(created.pid);
    expect(await processExists(ctx, running.pid!)).toBe(true);
  });

  requirement('state.bundle-absolute', 'state reports the bundle as an absolute path, also when create was given a relative one', async (ctx) => {
    const { runtime, id, bundle, run } = ctx;
    const b = await bundle((c) => c.args('sleep', '600'));
    // The path a user would type in the run dir (shared with a container target at the same path).
    await runtime.create(id, { bundle: relative(run.runDir, b.dir), workingDir: run.runDir, stdio: b.stdio });
    const reported = (await runtime.state(id)).bundle;
    expect(isAbsolute(reported), `state reported bundle "${reported}", not an absolute path`).toBe(true);
    expect(await realpath(reported)).toBe(await realpath(b.dir));
  });

  requirement('state.annotations', 'state lists the annotations from config.json', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600').annotation('org.rtconform.test', 'value-1').annotation('second', 'two'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    expect((await runtime.state(id)).annotations).toMatchObject({ 'org.rtconform.test': 'value-1', second: 'two' });
  });

  requirement('state.unknown-id', 'state of an unknown container fails', async ({ runtime, id }) => {
    await refusal(runtime.state(id));
  });

  requirement('state.stopped-after-exit', 'status becomes stopped when the process exits by itself', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell('exit 0'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await waitForStatus(runtime, id, 'stopped');
  });

  requirement('state.status-values', 'status is one of creating, created, running, stopped at each step of the lifecycle', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    const seen: string[] = [];
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    seen.push(await runtime.status(id));
    await runtime.start(id);
    seen.push(await runtime.status(id));
    await runtime.kill(id, 'KILL');
    await waitForStatus(runtime, id, 'stopped');
    seen.push(await runtime.status(id));
    expect(seen, 'status after create, after start, after the process was killed').toEqual(['created', 'running', 'stopped']);
  });

  requirement('state.missing-id', 'state without a container id is an error, also when one container is all there is', async (ctx) => {
    await refusal(ctx.runtime.state(''));
    // A runtime that resolves ids by prefix (runsc) takes '' for the only container of its
    // root: a root of the test's own, with exactly one container, asks that deterministically.
    const own = runtimeWithOwnRoot(ctx);
    const b = await ctx.bundle((c) => c.args('sleep', '600'));
    await own.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    try {
      await refusal(own.state(''));
    } finally {
      await own.delete(ctx.id, { force: true });
    }
  });

  requirement('state.unknown-id', 'state of an id that only begins like an existing container\'s is an error', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await refusal(runtime.state(id.slice(0, -1)));
  });
});


import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, skipIfLimited, type Bundle, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { listed } from '../../src/fixtures/list.js';
import type { RuntimeError } from '../../src/runtime/errors.js';
import type { OciConfig } from '../../src/spec/config.js';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import { acceptedWithout } from '../control.js';

/**
 * Asserts the runtime refused to create `id` with an error of its own and left nothing behind:
 * `state` of that id is an error and `list` does not show it.
 */
async function refusedWithoutTrace(ctx: RuntimeTestContext, id: string, create: Promise<unknown>): Promise<RuntimeError> {
  const error = await refusal(create);
  await refusal(ctx.runtime.state(id));
  expect((await listed(ctx)).map((c) => c.id), `containers listed after the refused create of ${id}`).not.toContain(id);
  return error;
}

/** Writes config.json as given, past the schema: the point is a config the harness would not build. */
async function writeRawConfig(b: Bundle, config: unknown): Promise<void> {
  await writeFile(join(b.dir, 'config.json'), JSON.stringify(config, null, 2));
}

/** Runs the bundle's process to its end and returns its exit code and stdout. */
async function runToEnd(ctx: RuntimeTestContext, b: Bundle, id = ctx.id): Promise<{ exitCode: number | undefined; output: string }> {
  const { exitCode } = await ctx.runtime.run(id, { bundle: b.dir, stdio: b.stdio, timeoutMs: 20_000 });
  return { exitCode, output: await b.output() };
}

/** A path of the bundle's rootfs as the container process names it: rooted in the rootfs, or on the host for a runtime without one. */
const inContainer = (ctx: RuntimeTestContext, b: Bundle, path: string): string =>
  (ctx.runtime.profile.needsRootfs ? path : join(b.dir, 'rootfs', path));

describeRuntimes('config errors: invalid ids, invalid and unsatisfiable configs, unknown properties', (requirement) => {
  requirement('create.invalid-id', 'create with an id that is not a plain name ("a/b", "../x") fails and creates nothing', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('sleep', '600'));
    for (const bad of [`${ctx.newId()}/sub`, `../${ctx.newId()}`]) {
      try {
        await refusedWithoutTrace(ctx, bad, ctx.runtime.create(bad, { bundle: b.dir, stdio: b.stdio }));
      } finally {
        // The fixture's cleanup knows only the plain ids: a runtime that took this one must not keep it.
        await ctx.runtime.delete(bad, { force: true }).catch(() => undefined);
      }
    }
    // The control: the same bundle under a plain id.
    await acceptedWithout(ctx, 'a slash or .. in the id', (c) => c.args('sleep', '600'));
  });

  requirement('create.missing-id', 'create without a container id fails and creates nothing', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('sleep', '600'));
    const ours = async (): Promise<string[]> => (await listed(ctx)).filter((c) => c.bundle === b.dir).map((c) => c.id);
    await refusal(ctx.runtime.create('', { bundle: b.dir, stdio: b.stdio }));
    expect(await ours(), 'containers of this bundle after `create ""`').toEqual([]);
    // The argument left out altogether, as a caller that forgot it would run the runtime.
    const root = ctx.selection.root ? ['--root', ctx.selection.root] : [];
    const argv = [...ctx.runtime.profile.globalArgs, ...root, 'create', '--bundle', b.dir];
    const result = await ctx.runner.run(ctx.runtime.binary, argv, { timeoutMs: 20_000, stdio: b.stdio });
    expect(result.exitCode, `exit code of \`${[ctx.runtime.binary, ...argv].join(' ')}\`; stderr: ${await b.errorOutput()}`).not.toBe(0);
    expect(await ours(), 'containers of this bundle after a create without an id').toEqual([]);
    await acceptedWithout(ctx, 'an empty or missing id (a plain one instead)', (c) => c.args('sleep', '600'));
  });

  requirement('create.unsatisfiable-config', 'create of a config that cannot be built (bind of a missing source) fails and creates nothing', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const bind = (source: string) => (c: BundleBuilder): BundleBuilder => c.args('sleep', '600').mount({
      destination: '/mnt/rtc-missing', type: 'bind', source, options: ['rbind', 'ro'],
    });
    const b = await ctx.bundle(bind(join(ctx.workDir, 'no-such-source')));
    await refusedWithoutTrace(ctx, ctx.id, ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    // The control: the same bind of a source that exists.
    const source = join(ctx.workDir, 'a-source');
    await mkdir(source, { recursive: true });
    await acceptedWithout(ctx, 'a missing bind source (one that exists instead)', bind(source));
  });

  requirement('config.valid-values.error', 'a namespace type the spec does not define is an error', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('true'));
    const config = structuredClone(b.config);
    await writeRawConfig(b, { ...config, linux: { ...config.linux, namespaces: [...(config.linux?.namespaces ?? []), { type: 'rtconform-bogus' }] } });
    await refusedWithoutTrace(ctx, ctx.id, ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, 'the namespace of type rtconform-bogus', (c) => c.args('true'));
  });

  requirement('config.process.cwd-relative-error', 'a relative process.cwd is an error', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('true'));
    const config: OciConfig = structuredClone(b.config);
    config.process = { ...config.process!, cwd: 'tmp' };
    await writeRawConfig(b, config);
    await refusedWithoutTrace(ctx, ctx.id, ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, 'the relative cwd (/tmp instead)', (c) => c.args('true').cwd('/tmp'));
  });

  requirement('config.process.args-path', 'args[0] without a slash is looked up in the PATH of process.env, in order', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('rtc-which'));
    // Two PATH directories, both with the program: the first one in PATH must win.
    for (const [dir, answer] of [['opt/rtc-first', 'first'], ['opt/rtc-second', 'second']] as const) {
      await mkdir(join(b.dir, 'rootfs', dir), { recursive: true });
      await writeFile(join(b.dir, 'rootfs', dir, 'rtc-which'), `#!/bin/sh\necho "rtc-which ran from ${answer}"\n`, { mode: 0o755 });
    }
    const config: OciConfig = structuredClone(b.config);
    const path = ['/opt/rtc-empty', '/opt/rtc-first', '/opt/rtc-second', '/bin'].map((p) => inContainer(ctx, b, p)).join(':');
    config.process = { ...config.process!, env: [`PATH=${path}`] };
    await b.rewrite(config);
    const { exitCode, output } = await runToEnd(ctx, b);
    expect({ exitCode, output: output.trim() }, `running "rtc-which" with PATH=${path}`).toEqual({ exitCode: 0, output: 'rtc-which ran from first' });
  });

  requirement('config.extensibility.unknown-property', 'properties the runtime does not know are ignored', async (ctx) => {
    const b = await ctx.bundle((c) => c.shell('echo ran-with-unknown-properties'));
    const config = structuredClone(b.config);
    await writeRawConfig(b, {
      ...config,
      rtconformUnknownTopLevel: { nested: [1, 2, 3], flag: true },
      process: { ...config.process, rtconformUnknownInProcess: 'x' },
      linux: { ...config.linux, rtconformUnknownInLinux: { a: 'b' } },
    });
    const { exitCode, output } = await runToEnd(ctx, b);
    expect({ exitCode, output: output.trim() }, 'the container of a config with unknown properties').toEqual({ exitCode: 0, output: 'ran-with-unknown-properties' });
  });

  requirement('config.annotations.unknown-keys', 'annotations with keys the runtime does not know are accepted', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('sleep', '600')
      .annotation('org.rtconform.unknown.key', 'some value')
      .annotation('com.example.never-heard-of-it', '')
      .annotation('io.rtconform/with-slash', '{"json": "inside"}'));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    expect((await ctx.runtime.state(ctx.id)).status, 'status after create').toBe('created');
  });

  requirement('bundle.config-json', 'the config is config.json at the bundle root, not a look-alike file', async (ctx) => {
    const b = await ctx.bundle((c) => c.shell('echo from-config-json'));
    // Look-alikes that a runtime must not read: other names at the root, config.json deeper down.
    const decoy = (word: string): OciConfig => ({ ...structuredClone(b.config), process: { ...b.config.process!, args: ['sh', '-c', `echo from-${word}`] } });
    await writeRawConfig(b, b.config);
    await writeFile(join(b.dir, 'Config.json'), JSON.stringify(decoy('Config.json')));
    await writeFile(join(b.dir, 'config.json.bak'), JSON.stringify(decoy('config.json.bak')));
    await writeFile(join(b.dir, 'rootfs', 'config.json'), JSON.stringify(decoy('rootfs-config.json')));
    const { exitCode, output } = await runToEnd(ctx, b);
    expect({ exitCode, output: output.trim() }, 'what the container ran').toEqual({ exitCode: 0, output: 'from-config-json' });
  });
});

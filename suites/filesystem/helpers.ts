import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import { runProbe, type ProbeOptions, type ProbeRun } from '../../src/fixtures/probe.js';
import type { Bundle, RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { mountOf, type Mount } from '../../src/probe/observation.js';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';

export type Configure = (builder: BundleBuilder) => BundleBuilder;
/** Runs between writing the bundle and starting the container: plant files, fix paths in the config. */
export type Prepare = (bundle: Bundle) => Promise<void>;

export interface ShellRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** `key value` lines the script printed before its mountinfo. */
  facts: Record<string, string>;
  /** The container's /proc/self/mountinfo, read at the end of the script. */
  mounts: Mount[];
  bundle: Bundle;
}

const MOUNTINFO_MARK = 'rtc-mountinfo';

/** Splits what a script from `shell()` printed into its facts and the mountinfo it appended. */
function parseShellOutput(stdout: string): Pick<ShellRun, 'facts' | 'mounts'> {
  const [head = '', mountinfo = ''] = stdout.split(`${MOUNTINFO_MARK}\n`);
  const facts: Record<string, string> = {};
  for (const line of head.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) facts[line.slice(0, space)] = line.slice(space + 1);
  }
  const mounts = mountinfo.split('\n').map(mountOf).filter((m): m is Mount => m !== undefined);
  return { facts, mounts };
}

/**
 * Runs `script` (sh -c) as the container process of a bundle from the default config changed by
 * `configure`, then appends the container's mountinfo, so one run gives both what the script
 * saw happen and the mounts it happened on.
 */
export async function shell(ctx: RuntimeTestContext, configure: Configure, script: string, prepare?: Prepare): Promise<ShellRun> {
  const bundle = await ctx.bundle((b) => configure(b).shell(`${script}\necho ${MOUNTINFO_MARK}; cat /proc/self/mountinfo`));
  if (prepare) await prepare(bundle);
  const { exitCode } = await ctx.runtime.run(ctx.id, { bundle: bundle.dir, stdio: bundle.stdio, timeoutMs: 30_000 });
  const stdout = await bundle.output();
  return { exitCode, stdout, stderr: await bundle.errorOutput(), ...parseShellOutput(stdout), bundle };
}

/**
 * Like `shell`, but through create and start with the runtime started in `workingDir`: what a
 * relative path is relative to when the runtime gets it wrong.
 */
export async function shellFrom(ctx: RuntimeTestContext, workingDir: string, configure: Configure, script: string, prepare?: Prepare): Promise<ShellRun> {
  const bundle = await ctx.bundle((b) => configure(b).shell(script));
  if (prepare) await prepare(bundle);
  await ctx.runtime.create(ctx.id, { bundle: bundle.dir, stdio: bundle.stdio, workingDir });
  await ctx.runtime.start(ctx.id);
  await waitForStatus(ctx.runtime, ctx.id, 'stopped', 30_000);
  const stdout = await bundle.output();
  return { exitCode: undefined, stdout, stderr: await bundle.errorOutput(), ...parseShellOutput(stdout), bundle };
}

/** runProbe, with a hook between writing the bundle and running it (changes to bundle.config count). */
export async function probe(ctx: RuntimeTestContext, configure: Configure = (b) => b, options: ProbeOptions = {}, prepare?: Prepare): Promise<ProbeRun> {
  return runProbe({
    runtime: ctx.runtime,
    id: ctx.id,
    bundle: async (c) => {
      const bundle = await ctx.bundle(c);
      if (prepare) await prepare(bundle);
      return bundle;
    },
  }, configure, options);
}

/** The mount visible at `mountPoint` (the last one made there). */
export function visibleMount(mounts: readonly Mount[], mountPoint: string): Mount | undefined {
  return mounts.filter((m) => m.mountPoint === mountPoint).at(-1);
}

/** Writes files (path → content) below `dir`, making directories on the way. */
export async function plant(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/**
 * Runs `body` with a tmpfs mounted at `dir` (made if need be) with `options`, where the runtime
 * runs, after `setup` (a shell script, the mount point as $1) ran in it. The tmpfs is unmounted
 * before this returns or throws: the test's directory is removed right after the test.
 */
export async function withHostTmpfs<T>(ctx: RuntimeTestContext, dir: string, options: string, setup: string, body: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const mounted = await ctx.runner.run('sh', ['-c', `mount -t tmpfs -o "$2" rtc-host-tmpfs "$1" && { ${setup || 'true'}; }`, 'sh', dir, options], { timeoutMs: 10_000 });
  if (mounted.exitCode !== 0) throw new Error(`could not mount a tmpfs (${options}) on ${dir} where the runtime runs: ${mounted.stderr}`);
  const outcome = await body().then((value) => ({ value }), (error: unknown) => ({ error }));
  const unmounted = await ctx.runner.run('umount', [dir], { timeoutMs: 10_000 });
  // The body's own failure says more than a failed unmount after it.
  if ('error' in outcome) throw outcome.error;
  if (unmounted.exitCode !== 0) throw new Error(`could not unmount ${dir}: ${unmounted.stderr}`);
  return outcome.value;
}

/**
 * Runs `body` with a directory that has a tmpfs mounted on its `sub` directory, where the
 * runtime runs (a submount for rbind and the recursive options). The tmpfs is unmounted before
 * this returns or throws: the test's directory is removed right after the test.
 */
export async function withSubmount<T>(ctx: RuntimeTestContext, name: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(ctx.workDir, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'top-file'), 'top\n');
  return withHostTmpfs(ctx, join(dir, 'sub'), 'size=1m', 'echo inner > "$1/inner-file"', () => body(dir));
}

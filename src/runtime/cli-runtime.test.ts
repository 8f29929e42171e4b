import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRuntime } from './cli-runtime.js';
import { ExecTimeoutError, RuntimeError, RuntimeNotFoundError, RuntimeOutputError, RuntimeTimeoutError } from './errors.js';
import { HostProcessRunner } from './process-runner.js';
import { profiles } from './profiles.js';
import { resolveRuntime } from './resolve.js';
import { forEachRuntime, runtimeTest } from '../fixtures/test-context.js';
import { waitForStatus } from './wait-for-status.js';

/**
 * Broken runtimes are small shell scripts: real processes that misbehave in one precise way,
 * because no real runtime hangs or prints garbage on demand.
 */
describe('the adapter against misbehaving runtime binaries', () => {
  let work: { path: string; cleanup: () => Promise<void> };
  const script = async (name: string, body: string): Promise<CliRuntime> => {
    const path = join(work.path, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return new CliRuntime({ profile: { ...profiles.runc, name }, binary: path, runner: new HostProcessRunner(), workDir: join(work.path, `${name}-work`), callTimeoutMs: 1500 });
  };
  beforeAll(async () => {
    work = await dir({ prefix: 'rtconform-adapter-', unsafeCleanup: true });
  });
  afterAll(async () => work.cleanup());

  it('names the path and the install command for a missing runtime', () => {
    expect(() => resolveRuntime('/nonexistent/runc')).toThrow(RuntimeNotFoundError);
    expect(() => resolveRuntime('/nonexistent/runc')).toThrow(/\/nonexistent\/runc.*apt-get install -y runc/);
    expect(() => resolveRuntime('crun', '/nonexistent')).toThrow(/apt-get install -y crun/);
  });

  it('kills a hung runtime at the call timeout and says so', async () => {
    const hung = await script('hung', 'exec sleep 600');
    const started = Date.now();
    const error = await hung.state('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeTimeoutError);
    expect((error as Error).message).toMatch(/did not finish within 1500 ms and was killed/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('quotes the first bytes of output that is not JSON', async () => {
    const garbage = await script('garbage', 'echo "this is not json"');
    const error = await garbage.state('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeOutputError);
    expect((error as Error).message).toMatch(/not JSON.*this is not json/);
  });

  it('says which field of the state is wrong', async () => {
    const wrong = await script('wrong', `echo '{"ociVersion":"1.0.0","id":"x","status":7,"bundle":"/b"}'`);
    await expect(wrong.state('x')).rejects.toThrow(/status/);
  });

  it('carries the runtime own error words from its json log', async () => {
    const failing = await script('failing', `
      while [ $# -gt 0 ]; do [ "$1" = --log ] && log="$2"; shift; done
      echo '{"level":"error","msg":"container does not exist","time":"2026-01-01T00:00:00Z"}' >> "$log"
      echo 'some stderr' >&2; exit 1`);
    const error = await failing.delete('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error).toMatchObject({ verb: 'delete', exitCode: 1, logError: 'container does not exist' });
    expect((error as RuntimeError).argv).toContain('--log-format');
  });
});

forEachRuntime('adapter: exec timeout and stop', () => {
  runtimeTest('an exec past its timeout is killed and keeps its output', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    const error = await runtime.exec(id, ['sh', '-c', 'echo partial-output; exec sleep 600'], { timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecTimeoutError);
    expect((error as ExecTimeoutError).stdout).toContain('partial-output');
    // The exec'd process is gone: only the init is left.
    expect(await runtime.ps(id)).toEqual([(await runtime.state(id)).pid]);
  });

  runtimeTest('stop escalates to SIGKILL when the process ignores SIGTERM', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.shell("trap '' TERM; echo ready; while :; do sleep 0.05; done"));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await waitForStatus(runtime, id, 'running');
    expect(await runtime.stop(id, { graceMs: 500 })).toBe('killed');
    expect(await runtime.status(id)).toBe('stopped');
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { waitForStatus } from '../../src/runtime/wait-for-status.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { waitFor } from '../../src/util/wait.js';
import { sameSet } from '../../src/util/same-set.js';
import { ExecTimeoutError } from '../../src/runtime/errors.js';
import { expectControlsDiffer } from '../control.js';

describeRuntimes('operations: exec', (requirement) => {
  const running = async (ctx: RuntimeTestContext): Promise<string> => {
    const b = await ctx.bundle((c) => c.args('sleep', '600'));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    await ctx.runtime.start(ctx.id);
    return ctx.id;
  };

  requirement('cli.exec.exit-code', 'exec exits with the exit code of the process', async (ctx) => {
    const id = await running(ctx);
    expect((await ctx.runtime.exec(id, ['sh', '-c', 'exit 7'])).exitCode).toBe(7);
    expect((await ctx.runtime.exec(id, ['true'])).exitCode).toBe(0);
  });

  requirement('cli.exec.stdio', 'exec passes stdout and stderr through separately', async (ctx) => {
    const id = await running(ctx);
    const result = await ctx.runtime.exec(id, ['sh', '-c', 'echo to-stdout; echo to-stderr >&2']);
    expect(result.stdout).toBe('to-stdout\n');
    expect(result.stderr).toContain('to-stderr');
    expect(result.stderr).not.toContain('to-stdout');
  });

  requirement('cli.exec.stdin', 'exec streams stdin: the process reads the first line before the second is written, then end of file', async (ctx) => {
    const id = await running(ctx);
    // The process says it has read the first line by creating a file the test looks for with a
    // second exec; only then does the second line go. A runtime that waited for end of file
    // before starting the process, or dropped stdin, never gets there.
    // Relative to the process's cwd (/): inside the container's root, also for the fake, whose
    // processes see the host's file system with their cwd in the bundle's rootfs.
    const marker = `read-first-${id}`;
    async function* lines(): AsyncGenerator<string> {
      yield 'first\n';
      await waitFor(async () => ((await ctx.runtime.exec(id, ['cat', marker])).exitCode === 0 ? true : undefined), {
        timeoutMs: 10_000, intervalMs: 50, who: 'runtime', description: `the exec'd process to read the first line (${marker})`,
      });
      yield 'second\n';
    }
    const script = `read a; echo "$a" > ${marker}; read b; echo "read $a then $b"; if read c; then echo "more: $c"; else echo "end of file"; fi`;
    const result = await ctx.runtime.exec(id, ['sh', '-c', script], { input: lines() });
    expect(result.stdout.trim().split('\n'), 'what the process read, in order').toEqual(['read first then second', 'end of file']);
  });

  requirement('cli.exec.env', 'exec --env adds variables to the environment', async (ctx) => {
    const id = await running(ctx);
    const result = await ctx.runtime.exec(id, ['sh', '-c', 'echo "$RTC_VALUE"'], { env: ['RTC_VALUE=forty two'] });
    expect(result.stdout).toBe('forty two\n');
  });

  requirement('cli.exec.cwd', 'exec --cwd sets the working directory', async (ctx) => {
    const id = await running(ctx);
    expect((await ctx.runtime.exec(id, ['pwd'], { cwd: '/tmp' })).stdout).toBe('/tmp\n');
  });

  requirement('cli.exec.user', 'exec --user runs the process as that uid and gid', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const id = await running(ctx);
    const ids = ['sh', '-c', 'echo "$(id -u):$(id -g)"'];
    // The control: the same exec without --user runs as the config's user (root here).
    const control = (await ctx.runtime.exec(id, ids)).stdout.trim();
    expectControlsDiffer('exec without --user', { 'uid:gid': '1234:2345' }, { 'uid:gid': control });
    expect((await ctx.runtime.exec(id, ids, { user: '1234:2345' })).stdout.trim(), 'id -u:id -g with --user 1234:2345').toBe('1234:2345');
  });

  requirement('cli.exec.process-file', 'exec --process runs a full process spec', async (ctx) => {
    const id = await running(ctx);
    const result = await ctx.runtime.exec(id, {
      user: { uid: 0, gid: 0 }, args: ['sh', '-c', 'echo "$FROM_SPEC"; pwd; exit 3'], env: ['PATH=/usr/bin:/bin', 'FROM_SPEC=yes'], cwd: '/tmp',
    });
    expect(result).toMatchObject({ exitCode: 3, stdout: 'yes\n/tmp\n' });
  });

  requirement('cli.exec.timeout', 'an exec past its timeout is ended: its process killed, its output until then kept, nothing of it left', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('sleep', '600'));
    await ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio });
    await ctx.runtime.start(ctx.id);
    const before = await ctx.runtime.ps(ctx.id);
    const started = Date.now();
    const error = await ctx.runtime.exec(ctx.id, ['sh', '-c', 'echo partial-output; exec sleep 600'], { timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(error, 'an exec of sleep 600 given 1.5 s').toBeInstanceOf(ExecTimeoutError);
    const timedOut = error as ExecTimeoutError;
    expect(timedOut.stdout, 'the output printed before the timeout').toContain('partial-output');
    expect(Date.now() - started, 'ms the exec took with its 1.5 s timeout').toBeLessThan(8000);
    // What was ended: the process (by the host pid --pid-file wrote where /proc shows it is the
    // call's, or through the runtime's own kill --pid where it declares one, as runsc), or else
    // the call, whose end ends the process (a resident fake's exec'd process is no child of the
    // call). Either way the check that counts is the next one.
    expect(timedOut.ended, 'what the timeout ended').toMatch(ctx.runtime.profile.execPidInRuntime
      ? /^the process \(pid \d+ as .* sees it\) was killed through `.* kill --?\w+ \d+ /
      : /^the process \(pid \d+\) was killed$|^pid \d+ from the pid file is not a process of this call: ended the exec call instead/);
    // Nothing of it is left, in the runtime's own view of pids (runsc lists its sandbox's): ps
    // lists what it did before the exec, the init alone.
    await waitFor(async () => (sameSet(await ctx.runtime.ps(ctx.id), before) ? true : undefined), { timeoutMs: 5000, who: 'runtime', description: `ps of ${ctx.id} to list only ${before.join(', ')}, as before the exec` });
  });

  requirement('cli.exec.detach', 'exec --detach returns while the process runs on, and its --pid-file names a pid ps lists', async (ctx) => {
    const id = await running(ctx);
    const pidFile = join(ctx.workDir, 'exec.pid');
    const started = Date.now();
    const result = await ctx.runtime.exec(id, ['sleep', '500'], { detach: true, pidFile });
    expect(result.exitCode, 'exec --detach exit code').toBe(0);
    expect(Date.now() - started, 'ms until exec --detach returned (the process sleeps 500 s)').toBeLessThan(10_000);
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '(no file)')).trim());
    expect(Number.isInteger(pid) && pid > 0, `the pid file holds a pid: ${pid}`).toBe(true);
    expect(await ctx.runtime.ps(id), 'ps of the container').toContain(pid);
  });

  requirement('cli.exec.tty', 'exec --tty gives the process a terminal on stdin, stdout and stderr (held by the monitor)', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    const monitored = await ctx.monitored();
    const b = await ctx.bundle((c) => c.args('sleep', '600'));
    await monitored.create(ctx.id, { bundle: b.dir });
    await monitored.start(ctx.id);
    const report = 'for f in 0 1 2; do if [ -t $f ]; then echo "fd$f tty"; else echo "fd$f notty"; fi; done; exit 5';
    const result = await monitored.exec(ctx.id, ['sh', '-c', report], { tty: true });
    expect(result.exitCode, 'exit code of the process on the terminal').toBe(5);
    expect(result.stdout.replace(/\r/g, '').trim().split('\n'), 'what the process said of its stdio').toEqual(['fd0 tty', 'fd1 tty', 'fd2 tty']);
    // The exec's end is its own: the container's process runs on, and is seen ending as it does.
    await expect(monitored.wait(ctx.id, { timeoutMs: 500 }), 'the container\'s process, still running after the exec').rejects.toThrow(/no exit within 500 ms/);
    await monitored.kill(ctx.id, 'KILL');
    expect(await monitored.wait(ctx.id, { timeoutMs: 10_000 }), 'how the container\'s own process ended, after the exec').toMatchObject({ exitCode: 137, signal: 'SIGKILL' });
  });

  requirement('cli.exec.stopped', 'exec into a stopped container fails', async ({ runtime, id, bundle }) => {
    const b = await bundle((c) => c.args('true'));
    await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
    await runtime.start(id);
    await waitForStatus(runtime, id, 'stopped');
    await refusal(runtime.exec(id, ['true']));
  });
});

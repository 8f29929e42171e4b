import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliRuntime } from './cli-runtime.js';
import { ExecTimeoutError, RuntimeError, RuntimeNotFoundError, RuntimeOutputError, RuntimeSpawnError, RuntimeTimeoutError } from './errors.js';
import { DEFAULT_OUTPUT_CAPS, executableProblem, HostProcessRunner } from './process-runner.js';
import { builtinDeclaration } from './declaration.js';
import { resolveRuntime } from './resolve.js';
import { forEachRuntime, runtimeTest } from '../fixtures/test-context.js';
import { waitForStatus } from './wait-for-status.js';
import { waitFor } from '../util/wait.js';
import { isAlive } from '../util/procfs.js';
import type { GroupEnd } from './process-groups.js';

const runcProfile = builtinDeclaration('runc').profile;

/**
 * Broken runtimes are small shell scripts: real processes that misbehave in one precise way,
 * because no real runtime hangs or prints garbage on demand.
 */
describe('the adapter against misbehaving runtime binaries', () => {
  let work: { path: string; cleanup: () => Promise<void> };
  // A short limit by default: most of these scripts hang or answer at once.
  const script = async (name: string, body: string, callTimeoutMs = 1500): Promise<CliRuntime> => {
    const path = join(work.path, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return new CliRuntime({ profile: { ...runcProfile, name }, binary: path, runner: new HostProcessRunner(), workDir: join(work.path, `${name}-work`), callTimeoutMs });
  };
  // Writing and reading 50 MB took more than 1.5 s on a loaded machine (a CI run with six
  // workers): the floods get the default limit, since what they test is the cap, not a hang.
  const FLOOD_TIMEOUT_MS = 30_000;
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

  it('quotes a refusal\'s escape sequences written out, never raw, and keeps the words as they were on the error', async () => {
    const coloured = await script('coloured', 'printf "\\033[31mno such container\\033[0m\\a\\n" >&2; exit 1');
    const error = await coloured.state('x').catch((e: unknown) => e) as RuntimeError;
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.message).toContain('\\u001b[31mno such container\\u001b[0m\\u0007');
    // eslint-disable-next-line no-control-regex -- no control character may reach a terminal
    expect(error.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(error.stderr).toContain('\u001b[31m');
  });

  it('a failed checkpoint or restore quotes CRIU\'s log from the work dir, whose path alone is all the runtime says', async () => {
    // A stand-in for runc over CRIU: real CRIU fails on demand only for what the checkpoint
    // suites already do (their evidence shows it); here the log's lines are known exactly.
    const criu = await script('criu-fails', [
      'while [ $# -gt 0 ]; do case $1 in --work-path) work=$2; shift ;; checkpoint|restore) verb=$1 ;; esac; shift; done',
      'log=$work/dump.log; [ "$verb" = restore ] && log=$work/restore.log',
      'printf "(00.001) Warn  (criu/kerndat.c:1): RLIMIT_NOFILE too low\\n(00.010) Error (criu/sk-unix.c:12): unix: Can\'t dump socket\\n(00.011) Error (criu/cr-dump.c:2): Dumping FAILED.\\n" > "$log"',
      'echo "criu failed: type $verb errno 0; log file: $log" >&2; exit 1',
    ].join('\n'));
    const paths = { imagePath: join(work.path, 'criu-image'), workPath: join(work.path, 'criu-work') };
    const dumped = await criu.checkpoint('x', paths).catch((e: unknown) => e) as RuntimeError;
    expect(dumped).toBeInstanceOf(RuntimeError);
    expect(dumped.message).toContain('criu failed: type checkpoint errno 0');
    expect(dumped.message).toContain("CRIU's dump.log: (00.010) Error (criu/sk-unix.c:12): unix: Can't dump socket; (00.011) Error (criu/cr-dump.c:2): Dumping FAILED.");
    expect(dumped.message).not.toContain('RLIMIT_NOFILE');
    const restored = await criu.restore('x', { ...paths, bundle: work.path, detach: true }).catch((e: unknown) => e) as RuntimeError;
    expect(restored.message).toContain("CRIU's restore.log: (00.010) Error");
  });

  it('a create given its own limit is killed at that limit, not at the call timeout', async () => {
    const hung = await script('hung-create', 'exec sleep 600');
    const error = await hung.create('x', { bundle: work.path, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeTimeoutError);
    expect((error as Error).message).toMatch(/create.*did not finish within 300 ms and was killed/);
  });

  it('kills the whole process group of a hung call, children included', async () => {
    const pidFile = join(work.path, 'hung-child.pid');
    const hung = await script('hung-with-child', `sleep 600 & echo $! > ${pidFile}; exec sleep 600`);
    await expect(hung.state('x')).rejects.toBeInstanceOf(RuntimeTimeoutError);
    const child = Number((await readFile(pidFile, 'utf8')).trim());
    await waitFor(() => (existsSync(`/proc/${child}`) ? undefined : true), { timeoutMs: 5000, who: 'rtconform', description: `the runtime's child ${child} to be gone` });
  });

  it('does not wait for output that a process the runtime left behind holds open', async () => {
    const pidFile = join(work.path, 'holder.pid');
    // The background sleep inherits stdout and stderr: the pipes stay open after the runtime exits.
    const holder = await script('holder', `sleep 30 & echo $! > ${pidFile}; echo '{"ociVersion":"1.0.2","id":"x","status":"created","pid":1,"bundle":"/b"}'`);
    const started = Date.now();
    expect((await holder.state('x')).status).toBe('created');
    expect(Date.now() - started).toBeLessThan(5000);
    // It was in the call's process group: it went with the call.
    await gone(Number((await readFile(pidFile, 'utf8')).trim()));
  });

  /** Waits until a process is gone (reaped: killed processes of the call's group are reparented to init, which reaps them at once). */
  const gone = async (pid: number): Promise<void> => {
    await waitFor(() => (isAlive(pid) ? undefined : true), { timeoutMs: 5000, who: 'rtconform', description: `process ${pid} to be gone` });
  };

  it('kills what a call left in its process group as soon as the call exits, and returns at once', async () => {
    const pidFile = join(work.path, 'left-behind.pid');
    const leaves = await script('leaves-behind', `sleep 600 & echo $! > ${pidFile}; echo '{"ociVersion":"1.0.2","id":"x","status":"stopped","bundle":"/b"}'`);
    const started = Date.now();
    expect(await leaves.status('x')).toBe('stopped');
    expect(Date.now() - started, 'no wait for the pipes the leftover held').toBeLessThan(900);
    await gone(Number((await readFile(pidFile, 'utf8')).trim()));
  });

  /** A runtime whose create leaves a process in its group (as runsc's leaves its gofer); `createFails` makes create fail after it. */
  const leavingCreate = (name: string, pidFile: string, createFails = false): Promise<CliRuntime> => script(name, `
    for a; do case $a in create|state|delete) verb=$a; break ;; esac; done
    case $verb in
      create) sleep 600 </dev/null >/dev/null 2>&1 & echo $! > ${pidFile}; ${createFails ? 'echo "no such bundle" >&2; exit 1' : 'exit 0'} ;;
      state) echo '{"ociVersion":"1.0.2","id":"x","status":"created","pid":1,"bundle":"/b"}' ;;
      delete) exit 0 ;;
    esac`);

  it('keeps what create left in its process group until the container is deleted, then kills it and says so', async () => {
    const pidFile = join(work.path, 'gofer.pid');
    const runtime = await leavingCreate('leaves-on-create', pidFile);
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await runtime.create('x', { bundle: work.path });
      const gofer = Number((await readFile(pidFile, 'utf8')).trim());
      // The script forked it and exited: on a loaded machine the fork may not have exec'd sleep
      // yet, and the warning names a process by its command.
      await waitFor(async () => ((await readFile(`/proc/${gofer}/comm`, 'utf8').catch(() => '')).trim() === 'sleep' ? true : undefined), { timeoutMs: 5000, who: 'rtconform', description: `process ${gofer} to run sleep` });
      expect(isAlive(gofer), 'what create left lives with the container').toBe(true);
      await runtime.start('x').catch(() => undefined);
      expect(isAlive(gofer)).toBe(true);
      await runtime.delete('x');
      await gone(gofer);
      expect(warnings.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(new RegExp(`leaves-on-create left processes in the process group of a call on container x, now deleted: killed ${gofer} \\(sleep\\)`))]);
    } finally {
      warnings.mockRestore();
    }
  });

  it('kills what a failed create left in its process group at once', async () => {
    const pidFile = join(work.path, 'failed-create.pid');
    const runtime = await leavingCreate('leaves-on-failed-create', pidFile, true);
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await expect(runtime.create('x', { bundle: work.path })).rejects.toThrow(/no such bundle/);
      await gone(Number((await readFile(pidFile, 'utf8')).trim()));
      // Killed at once, maybe before its `sleep` was exec'd: the command may still be the script's.
      expect(warnings).toHaveBeenCalledWith(expect.stringMatching(/leaves-on-failed-create left processes in the process group of a failed call on container x: killed \d+ \([^)]+\)/), expect.anything());
    } finally {
      warnings.mockRestore();
    }
  });

  /** A runtime whose exec writes `pid` (a shell word: `$$`, `$!`…) to --pid-file after `before`, then runs `after`. */
  const execWriting = (name: string, pid: string, before: string, after: string): Promise<CliRuntime> => script(name, `
    while [ $# -gt 0 ]; do [ "$1" = --pid-file ] && pf=$2; shift; done
    ${before}
    echo ${pid} > "$pf"
    ${after}`);

  it('an exec past its timeout kills the process the pid file names where it is the call\'s', async () => {
    const exec = await execWriting('exec-child', '$!', 'sleep 600 &', 'wait');
    const started = Date.now();
    const error = await exec.exec('x', ['true'], { timeoutMs: 500 }).catch((e: unknown) => e) as ExecTimeoutError;
    expect(error).toBeInstanceOf(ExecTimeoutError);
    expect(error.message).toMatch(/did not finish within 500 ms; the process \(pid \d+\) was killed$/);
    expect(Date.now() - started, 'the call ended with its process, not 2 s later').toBeLessThan(1900);
    await gone(Number(/pid (\d+)/.exec(error.message)![1]));
  });

  it('an exec past its timeout never kills a pid the runtime wrote that is not a process of the call: it ends the call instead, and says so', async () => {
    // Unrelated to the call: a child of this test, as any process on the machine might be.
    const victim = spawn('sleep', ['600'], { stdio: 'ignore' });
    const callPidFile = join(work.path, 'lying-exec.pid');
    try {
      const exec = await execWriting('exec-lies', String(victim.pid), `echo $$ > ${callPidFile}`, 'exec sleep 600');
      const started = Date.now();
      const error = await exec.exec('x', ['true'], { timeoutMs: 500 }).catch((e: unknown) => e) as ExecTimeoutError;
      expect(error).toBeInstanceOf(ExecTimeoutError);
      expect(isAlive(victim.pid!), 'the process the pid file named').toBe(true);
      expect(error.message).toMatch(`; pid ${victim.pid} from the pid file is not a process of this call: ended the exec call instead; the exec'd process may live on`);
      expect(Date.now() - started).toBeLessThan(5000);
      await gone(Number((await readFile(callPidFile, 'utf8')).trim()));
    } finally {
      victim.kill('SIGKILL');
    }
  });

  it('an exec past its timeout whose pid file names the exec call itself ends the call, and says the process may live on', async () => {
    const exec = await execWriting('exec-self', '$$', '', 'exec sleep 600');
    const error = await exec.exec('x', ['true'], { timeoutMs: 500 }).catch((e: unknown) => e) as ExecTimeoutError;
    expect(error).toBeInstanceOf(ExecTimeoutError);
    expect(error.message).toMatch(/; pid \d+ from the pid file is the call's own process: ended the exec call instead; the exec'd process may live on$/);
  });

  it('an exec past its timeout whose runtime wrote no pid ends the call', async () => {
    const exec = await script('exec-no-pid', 'exec sleep 600');
    const error = await exec.exec('x', ['true'], { timeoutMs: 500 }).catch((e: unknown) => e) as ExecTimeoutError;
    expect(error).toBeInstanceOf(ExecTimeoutError);
    expect(error.message).toMatch(/; the pid file .* held no pid: ended the exec call instead/);
  });

  it('keeps at most the output cap of a flood on stdout, and says how much it cut', async () => {
    const flood = await script('stdout-flood', 'head -c 50000000 /dev/zero | tr "\\0" x', FLOOD_TIMEOUT_MS);
    const error = await flood.state('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeOutputError);
    const output = (error as RuntimeOutputError).output;
    expect(output.length).toBeLessThan(DEFAULT_OUTPUT_CAPS.stdoutBytes + 200);
    expect(output).toMatch(/rtconform cut \d+ bytes of stdout here: 50000000 bytes in all/);
  });

  it('caps one huge stderr line in what the error keeps and says', async () => {
    const flood = await script('stderr-flood', 'head -c 50000000 /dev/zero | tr "\\0" e >&2; exit 1', FLOOD_TIMEOUT_MS);
    const error = await flood.delete('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).stderr.length).toBeLessThan(DEFAULT_OUTPUT_CAPS.stderrBytes + 200);
    expect((error as Error).message.length).toBeLessThan(2500);
    expect((error as Error).message).toMatch(/rtconform cut \d+ characters/);
  });

  it('a binary that cannot be started is a spawn error, never a refusal', async () => {
    const notRunnable = join(work.path, 'not-executable');
    await writeFile(notRunnable, '#!/bin/sh\nexit 0\n');
    for (const binary of [work.path, notRunnable, join(work.path, 'missing')]) {
      const runtime = new CliRuntime({ profile: runcProfile, binary, runner: new HostProcessRunner(), workDir: join(work.path, 'spawn-work'), callTimeoutMs: 1500 });
      await expect(runtime.delete('x')).rejects.toBeInstanceOf(RuntimeSpawnError);
      await expect(runtime.version()).rejects.toBeInstanceOf(RuntimeSpawnError);
      expect(await executableProblem(binary)).toMatch(/directory|not executable|does not exist/);
    }
  });

  it('a stats reading carries its record and when it was read', async () => {
    const slow = await script('stats-slow', 'sleep 0.3; echo \'{"type":"stats","id":"x","data":{"cpu":{"usage":{"total":5}},"pids":{"current":2}}}\'');
    const before = Date.now();
    const stats = await slow.stats('x');
    const after = Date.now();
    expect(stats).toMatchObject({ cpu: { usage: { total: 5 } }, pids: { current: 2 } });
    const readAt = Date.parse(stats.readAt);
    // The middle of the call: after it began, before it ended.
    expect(readAt).toBeGreaterThan(before);
    expect(readAt).toBeLessThan(after);
  });

  it('a --version that exits non-zero is an error, not a version', async () => {
    const broken = await script('version-fails', 'echo "runc version 9.9"; exit 3');
    await expect(broken.version()).rejects.toMatchObject({ name: 'RuntimeError', exitCode: 3 });
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

forEachRuntime('adapter: what the calls of a container leave', () => {
  runtimeTest('what create, start, exec and exec --detach leave lives with the container; its delete leaves nothing of theirs', async ({ runtime, runner, id, bundle }) => {
    const b = await bundle((c) => c.args('sleep', '600'));
    const ends: GroupEnd[] = [];
    const endGroup = runner.endGroup.bind(runner);
    const spy = vi.spyOn(runner, 'endGroup').mockImplementation(async (group) => {
      const end = await endGroup(group);
      ends.push(end);
      return end;
    });
    try {
      await runtime.create(id, { bundle: b.dir, stdio: b.stdio });
      await runtime.start(id);
      await waitForStatus(runtime, id, 'running');
      expect(await runtime.exec(id, ['sh', '-c', 'echo hello'])).toMatchObject({ exitCode: 0, stdout: 'hello\n' });
      await runtime.exec(id, ['sleep', '500'], { detach: true });
      // The calls' process groups (runsc's gofer lives in create's) did not take the container with them.
      expect(await runtime.status(id)).toBe('running');
      expect(await runtime.exec(id, ['sh', '-c', 'echo again'])).toMatchObject({ exitCode: 0, stdout: 'again\n' });
      await runtime.delete(id, { force: true });
      // What the calls kept ended with the delete: by the runtime itself (empty), or by the adapter.
      expect(ends.filter((e) => e.outcome === 'not ours')).toEqual([]);
      for (const call of spy.mock.calls) expect(await endGroup(call[0])).toEqual({ outcome: 'empty', members: [] });
    } finally {
      spy.mockRestore();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { commandPath, DEFAULT_OUTPUT_CAPS } from '../runtime/process-runner.js';
import { waitFor } from '../util/wait.js';
import { ContainerProcessRunner } from './container-process-runner.js';
import { startTargetContainer, type TargetContainer } from './target-container.js';
import { containerTestSkipReason } from '../harness/container-targets.js';
import { defaultImageName } from './runtimes-image.js';

/**
 * The runner a container target's runtimes are driven through, against a real target container:
 * every call below is a real `docker exec` into it, or a real call through its agent (a shell
 * loop in the container fed through a fifo, as a run uses it), every file a real file in the
 * shared dir. Both ways must behave the same.
 */

/** The image the harness would use here: RTCONFORM_IMAGE, else the one `rtconform image build` makes. */
const IMAGE = inject('rtconformPlan').containers?.images[0] ?? defaultImageName();

describe.each(['the engine\'s exec', 'its agent'] as const)('ContainerProcessRunner in a real target container, calls through %s', (way) => {
  let problem: string | undefined;
  let shared: DirectoryResult;
  let container: TargetContainer | undefined;
  let runner: ContainerProcessRunner;
  let callsDir: string;

  beforeAll(async () => {
    problem = await containerTestSkipReason(inject('rtconformPlan').containers);
    if (problem !== undefined) return;
    shared = await dir({ prefix: 'rtconform-cpr-test-', unsafeCleanup: true });
    callsDir = join(shared.path, 'calls');
    container = await startTargetContainer({
      image: IMAGE,
      cgroupView: 'host',
      runId: `cpr-test-${randomBytes(4).toString('hex')}`,
      shared: [shared.path],
      fileSharing: inject('rtconformPlan').containers?.fileSharing,
      hideUnifiedCgroup: false,
    });
    runner = await container.runner(callsDir);
    if (way === 'its agent' && container.fileSharing === 'bridge') problem = 'over the file bridge (no fifos) every call is an engine exec: there is no agent';
    if (way === 'its agent') await runner.startAgent();
  });

  afterAll(async () => {
    await container?.stop();
    await shared?.cleanup();
  });

  beforeEach((ctx) => {
    if (problem !== undefined) ctx.skip(problem);
  });

  // Every call cleans up after itself: its pid and input files must not pile up in the run dir.
  afterEach(async () => {
    if (problem !== undefined) return;
    const left = await readdir(callsDir).catch(() => []);
    const leftByAgent = await readdir(join(callsDir, 'agent')).catch(() => []);
    expect([...left.filter((f) => f !== 'agent'), ...leftByAgent.filter((f) => f !== 'ready' && f !== 'requests')], 'files a call left in the calls dir').toEqual([]);
  });

  const file = (name: string): string => join(shared.path, name);
  const readPid = async (path: string): Promise<number | undefined> => {
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  };
  /** Whether a pid lives in the container's pid namespace (the image has no procps). */
  const alive = async (pid: number): Promise<boolean> => (await runner.run('test', ['-d', `/proc/${pid}`], { timeoutMs: 10_000 })).exitCode === 0;
  /** A killed process disappears once its parent (the engine's shim, or the container's init) reaps it: moments. */
  const expectGone = async (pid: number): Promise<void> => {
    await waitFor(async () => ((await alive(pid)) ? undefined : true), { timeoutMs: 3000, who: 'rtconform', description: `pid ${pid} to be gone from the container` });
  };

  it('goes the way it says: through the agent a call runs from a script in the agent\'s dir', async () => {
    const result = await runner.run('sh', ['-c', 'ls "$1" 2>/dev/null', 'ls', join(callsDir, 'agent')], { timeoutMs: 10_000 });
    expect(/^call-\w+\.sh$/m.test(result.stdout)).toBe(way === 'its agent');
  });

  it('keeps the exit code, stdout and stderr apart', async () => {
    const result = await runner.run('sh', ['-c', 'echo out1; echo err1 >&2; echo out2; exit 7'], { timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 7, signal: undefined, stdout: 'out1\nout2\n', stderr: 'err1\n', timedOut: false, aborted: false });
    expect(result.durationMs).toBeGreaterThan(0);
    expect((await runner.run('true', [], { timeoutMs: 10_000 })).exitCode).toBe(0);
    // A command that does not exist: the shell's 127, and its words on stderr.
    const missing = await runner.run('no-such-command-here', [], { timeoutMs: 10_000 });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/no-such-command-here/);
  });

  it('passes arguments through unchanged, and keeps a large output intact', async () => {
    const args = ['two words', '$HOME', "it's", '*', ''];
    const echoed = await runner.run('sh', ['-c', 'for a in "$@"; do printf "[%s]\\n" "$a"; done', 'sh', ...args], { timeoutMs: 10_000 });
    expect(echoed.stdout).toBe(args.map((a) => `[${a}]\n`).join(''));
    // Many of the engine's multiplexed frames, on both streams (each within its output cap).
    const big = await runner.run('sh', ['-c', 'head -c 1000000 /dev/zero | tr "\\0" a; head -c 200000 /dev/zero | tr "\\0" b >&2'], { timeoutMs: 10_000 });
    expect(big.stdout).toBe('a'.repeat(1_000_000));
    expect(big.stderr).toBe('b'.repeat(200_000));
    // Past the cap, the head and the tail are kept and the cut is said.
    const flood = await runner.run('sh', ['-c', 'head -c 1000000 /dev/zero | tr "\\0" e >&2'], { timeoutMs: 10_000 });
    expect(flood.stderr.length).toBeLessThan(DEFAULT_OUTPUT_CAPS.stderrBytes + 200);
    expect(flood.stderr).toMatch(/rtconform cut \d+ bytes of stderr here: 1000000 bytes in all/);
  });

  it('feeds `input` to stdin, and gives an empty stdin without it', async () => {
    const fed = await runner.run('sh', ['-c', 'read first; echo "got:$first"; cat'], { timeoutMs: 10_000, input: 'hello\nrest of it\n' });
    expect(fed).toMatchObject({ exitCode: 0, stdout: 'got:hello\nrest of it\n' });
    // Without input, a reader of stdin ends at once instead of hanging until the timeout.
    const empty = await runner.run('cat', [], { timeoutMs: 10_000 });
    expect(empty).toMatchObject({ exitCode: 0, stdout: '', timedOut: false });
  });

  it('streams `input` piece by piece while the process runs, then end of file; a process that never reads costs no wait', async () => {
    const marker = file(`read-first-${way.length}`);
    async function* pieces(): AsyncGenerator<string> {
      yield 'first\n';
      // The second piece goes only once the process has read the first: streamed, not buffered.
      await waitFor(() => (existsSync(marker) ? true : undefined), { timeoutMs: 10_000, who: 'rtconform', description: 'the process to read the first piece' });
      yield 'second\n';
    }
    const fed = await runner.run('sh', ['-c', 'read a; echo "$a" > "$1"; read b; echo "$a then $b"; cat; echo eof', 'sh', marker], { timeoutMs: 15_000, input: pieces() });
    expect(fed).toMatchObject({ exitCode: 0, stdout: 'first then second\neof\n' });
    // A process that ends without reading: the call ends with it, the feed is dropped.
    async function* endless(): AsyncGenerator<string> {
      for (;;) yield 'x'.repeat(65536);
    }
    const ignored = await runner.run('true', [], { timeoutMs: 10_000, input: endless() });
    expect(ignored).toMatchObject({ exitCode: 0, timedOut: false });
  });

  it('appends output to `stdio` files and reads stdin from one', async () => {
    const [stdin, stdout, stderr] = [file('stdio.in'), file('stdio.out'), file('stdio.err')];
    await writeFile(stdin, 'from the stdin file\n');
    await writeFile(stdout, 'earlier\n');
    const result = await runner.run('sh', ['-c', 'cat; echo to-err >&2; exit 3'], { timeoutMs: 10_000, stdio: { stdin, stdout, stderr } });
    expect(result).toMatchObject({ exitCode: 3, stdout: '', stderr: '' });
    expect(await readFile(stdout, 'utf8')).toBe('earlier\nfrom the stdin file\n');
    expect(await readFile(stderr, 'utf8')).toBe('to-err\n');
    await runner.run('echo', ['again'], { timeoutMs: 10_000, stdio: { stdout, stderr } });
    expect(await readFile(stdout, 'utf8')).toBe('earlier\nfrom the stdin file\nagain\n');
  });

  it('returns while a process that inherited the `stdio` files lives on in a kept group (as `runsc create` leaves one), which endGroup ends', async () => {
    const [stdout, bgPidFile] = [file('outlive.out'), file('outlive.pid')];
    const result = await runner.run('sh', ['-c', `sleep 30 & echo $! > ${bgPidFile}; echo started`], { timeoutMs: 20_000, stdio: { stdout, stderr: stdout }, leftovers: 'keep' });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.durationMs).toBeLessThan(5000);
    expect(await readFile(stdout, 'utf8')).toBe('started\n');
    const bgPid = (await readPid(bgPidFile))!;
    expect(await alive(bgPid), 'the background process outlived the call').toBe(true);
    expect(result.keptGroup, 'the call names the group it kept').toBeDefined();
    const end = await runner.endGroup(result.keptGroup!);
    // The command may still be the forking shell's if `sleep` was not exec'd yet.
    expect(end).toMatchObject({ outcome: 'ended', members: [expect.stringMatching(new RegExp(`^${bgPid} \\((sleep|sh)\\)$`))] });
    await expectGone(bgPid);
    // Empty now: nothing to say, nothing to kill.
    expect(await runner.endGroup(result.keptGroup!)).toEqual({ outcome: 'empty', members: [] });
  });

  it('kills what a call left in its process group when it exits', async () => {
    const bgPidFile = file('left.pid');
    const result = await runner.run('sh', ['-c', `sleep 30 </dev/null >/dev/null 2>&1 & echo $! > ${bgPidFile}`], { timeoutMs: 20_000, leftovers: 'end' });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.keptGroup).toBeUndefined();
    await expectGone((await readPid(bgPidFile))!);
  });

  it('leaves a kept group alone when none of its processes started before the call ended (its number may be another group\'s)', async () => {
    const bgPidFile = file('later.pid');
    const result = await runner.run('sh', ['-c', `sleep 30 </dev/null >/dev/null 2>&1 & echo $! > ${bgPidFile}`], { timeoutMs: 20_000, leftovers: 'keep' });
    const bgPid = (await readPid(bgPidFile))!;
    // As if the call had ended before the sleep started.
    const end = await runner.endGroup({ ...result.keptGroup!, endTicks: 1 });
    expect(end).toMatchObject({ outcome: 'not ours', members: [expect.stringMatching(new RegExp(`^${bgPid} \\((sleep|sh)\\)$`))] });
    expect(await alive(bgPid)).toBe(true);
    expect(await runner.endGroup(result.keptGroup!)).toMatchObject({ outcome: 'ended' });
    await expectGone(bgPid);
  });

  it('applies `env` on top of the container environment, and `cwd`', async () => {
    const env = await runner.run('sh', ['-c', 'echo "$FOO|$BAR|${PATH:+path kept}"'], { timeoutMs: 10_000, env: { FOO: 'two words', BAR: 'x=y' } });
    expect(env.stdout).toBe('two words|x=y|path kept\n');
    const cwd = await runner.run('sh', ['-c', 'pwd; echo relative > relative.txt'], { timeoutMs: 10_000, cwd: shared.path });
    expect(cwd.stdout).toBe(`${shared.path}\n`);
    expect(await readFile(file('relative.txt'), 'utf8')).toBe('relative\n');
  });

  it('kills a call past `timeoutMs`, keeps what it printed, and leaves no process', async () => {
    const pidFile = file('timeout.pid');
    const timeoutMs = 1000;
    const started = performance.now();
    const result = await runner.run('sh', ['-c', `echo $$ > ${pidFile}; echo before; exec sleep 600`], { timeoutMs });
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ timedOut: true, aborted: false, exitCode: undefined, signal: 'SIGKILL', stdout: 'before\n' });
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs);
    expect(elapsed, 'returned soon after the deadline').toBeLessThan(timeoutMs + 1500);
    await expectGone((await readPid(pidFile))!);
  });

  it('kills a call when its signal aborts, and leaves no process', async () => {
    const pidFile = file('abort.pid');
    const controller = new AbortController();
    const call = runner.run('sh', ['-c', `echo $$ > ${pidFile}; echo before; exec sleep 600`], { timeoutMs: 30_000, signal: controller.signal });
    const pid = await waitFor(() => readPid(pidFile), { timeoutMs: 5000, who: 'rtconform', description: 'the call to start' });
    const abortedAt = performance.now();
    controller.abort();
    const result = await call;
    expect(result).toMatchObject({ aborted: true, timedOut: false, exitCode: undefined, signal: 'SIGKILL' });
    expect(performance.now() - abortedAt, 'returned soon after the abort').toBeLessThan(1500);
    await expectGone(pid);
  });

  it('leaves no process when killed before the call got going (an aborted signal, a tiny timeout)', async () => {
    const calls = [
      { name: 'pre-aborted', options: { timeoutMs: 30_000, signal: AbortSignal.abort() }, expected: { aborted: true } },
      { name: 'tiny-timeout', options: { timeoutMs: 1 }, expected: { timedOut: true } },
    ];
    for (const { name, options, expected } of calls) {
      const pidFile = file(`${name}.pid`);
      const started = performance.now();
      const result = await runner.run('sh', ['-c', `echo $$ > ${pidFile}; exec sleep 600`], options);
      expect(result, name).toMatchObject({ ...expected, exitCode: undefined });
      expect(performance.now() - started, name).toBeLessThan(1500);
      // It may have got as far as starting: then it is gone.
      const pid = await readPid(pidFile);
      if (pid !== undefined) await expectGone(pid);
    }
  });

  it('streams lines, stops on abort, and leaves no process', async () => {
    const pidFile = file('lines.pid');
    const controller = new AbortController();
    const seen: string[] = [];
    const script = `echo $$ > ${pidFile}; i=0; while :; do echo "line $i"; echo noise >&2; i=$((i+1)); sleep 0.05; done`;
    let abortedAt = 0;
    for await (const line of runner.lines('sh', ['-c', script], { signal: controller.signal })) {
      seen.push(line);
      if (seen.length === 3) {
        abortedAt = performance.now();
        controller.abort();
      }
    }
    expect(performance.now() - abortedAt, 'the iteration ended soon after the abort').toBeLessThan(2500);
    expect(seen).toEqual(['line 0', 'line 1', 'line 2']);
    await expectGone((await readPid(pidFile))!);
  });

  it('streams every line of a command that ends by itself, stdout only, with `env`', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const line of runner.lines('sh', ['-c', 'echo "a $WHO"; echo err >&2; printf "b\\nc"'], { signal: controller.signal, env: { WHO: 'there' } })) seen.push(line);
    expect(seen).toEqual(['a there', 'b', 'c']);
  });

  it('leaves no process when the consumer stops reading early', async () => {
    const pidFile = file('lines-break.pid');
    const controller = new AbortController();
    for await (const line of runner.lines('sh', ['-c', `echo $$ > ${pidFile}; while :; do echo tick; sleep 0.05; done`], { signal: controller.signal })) {
      expect(line).toBe('tick');
      break;
    }
    await expectGone((await readPid(pidFile))!);
  });

  it('startedProcess: ends the process a call started and named in its pid file, where it is the call\'s', async () => {
    const pidFile = file('started.pid');
    const end = new AbortController();
    // The call waits for its child as an exec client waits for the exec'd process.
    const call = runner.run('sh', ['-c', 'sleep 600 & echo $! > "$1"; wait', 'sh', pidFile], { timeoutMs: 30_000, startedProcess: { pidFile, end: end.signal } });
    const pid = await waitFor(() => readPid(pidFile), { timeoutMs: 5000, who: 'rtconform', description: 'the call to start its process' });
    end.abort();
    const result = await call;
    expect(result).toMatchObject({ aborted: false, timedOut: false, startedProcessEnd: { pid, ended: 'process' } });
    await expectGone(pid);
  });

  it('startedProcess: a pid file naming a process that is not the call\'s ends the call, never that process', async () => {
    const victim = await runner.run('sh', ['-c', 'sleep 600 </dev/null >/dev/null 2>&1 & echo $!'], { timeoutMs: 10_000, leftovers: 'keep' });
    const victimPid = Number(victim.stdout.trim());
    const [pidFile, callPidFile] = [file('lying.pid'), file('lying-call.pid')];
    const end = new AbortController();
    const call = runner.run('sh', ['-c', 'echo $$ > "$2"; echo "$3" > "$1"; exec sleep 600', 'sh', pidFile, callPidFile, String(victimPid)], { timeoutMs: 30_000, startedProcess: { pidFile, end: end.signal } });
    const callPid = await waitFor(async () => ((await readPid(pidFile)) === undefined ? undefined : readPid(callPidFile)), { timeoutMs: 5000, who: 'rtconform', description: 'the call to write its pid file' });
    end.abort();
    const result = await call;
    expect(result).toMatchObject({ aborted: true, exitCode: undefined, startedProcessEnd: { pid: victimPid, ended: 'call', reason: `pid ${victimPid} from the pid file is not a process of this call` } });
    await expectGone(callPid!);
    expect(await alive(victimPid), 'the process the pid file named lives on').toBe(true);
    expect(await runner.endGroup(victim.keptGroup!)).toMatchObject({ outcome: 'ended' });
    await expectGone(victimPid);
  });

  it('isExecutable looks inside the container', async () => {
    expect(await runner.isExecutable('/bin/sh')).toBe(true);
    expect(await runner.isExecutable('/etc/hostname')).toBe(false);
    expect(await runner.isExecutable('/no/such/file')).toBe(false);
    // In the container's own /tmp (a tmpfs): nothing of it on the host.
    const onlyInside = `/tmp/rtconform-only-inside-${randomBytes(4).toString('hex')}`;
    await runner.run('sh', ['-c', `printf '#!/bin/sh\\n' > ${onlyInside}; chmod +x ${onlyInside}`], { timeoutMs: 10_000 });
    expect(existsSync(onlyInside)).toBe(false);
    expect(await runner.isExecutable(onlyInside)).toBe(true);
    await runner.run('rm', ['-f', onlyInside], { timeoutMs: 10_000 });
  });

  it('commandPath finds the runtimes on the container PATH, and nothing that is not a binary', async () => {
    expect(await commandPath(runner, 'runc')).toMatch(/^\/.*\/runc$/);
    expect(await commandPath(runner, 'crun')).toMatch(/^\/.*\/crun$/);
    expect(await commandPath(runner, 'sh')).toMatch(/^\/.*\/sh$/);
    expect(await commandPath(runner, 'no-such-command-here')).toBeUndefined();
    // A shell builtin has no path.
    expect(await commandPath(runner, 'cd')).toBeUndefined();
  });
});

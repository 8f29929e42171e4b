import { execa, type Options } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { stopResidentFakes } from '../harness/sweep.js';
import { isAlive } from '../util/procfs.js';
import { waitFor } from '../util/wait.js';

/**
 * The fake's command (client.sh) hands a call on a state root to that root's resident fake
 * (server.ts) once one runs, and runs everything else in the one-shot fake. Real processes
 * throughout: the command as the adapter spawns it, the resident node process, real containers.
 */
const oneShot = join(packageRoot(), 'dist/fake-runtime/main.cjs');

let work: DirectoryResult;
/** A copy of the built fake per test, so a test can take its one-shot fake away. */
let command: string;
let root: string;
let bundle: string;

/** The resident fake of `root`: its pid, once it answers. */
function residentPid(): number | undefined {
  try {
    const [pid, start] = readFileSync(join(root, '@server/pid'), 'utf8').trim().split(' ').map(Number);
    return pid !== undefined && isAlive(pid, start) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Calls until the root's resident fake answers: the first call makes the root, the next starts it. */
async function withResident(): Promise<number> {
  return waitFor(async () => {
    await execa(command, ['--root', root, 'list']);
    return residentPid();
  }, { timeoutMs: 10_000, who: 'rtconform', description: 'the resident fake to start' });
}

async function fake(args: readonly string[], options: Options = {}): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const result = await execa(command, ['--root', root, ...args], { reject: false, ...options });
  return { exitCode: result.exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

/** A call as the adapter makes one that gives a container its files: the caller's own descriptors, no pipe between. */
function spawnOnFiles(args: readonly string[], files: { stdin?: string; stdout?: string; stderr?: string }): { child: ChildProcess; exit: Promise<number | null> } {
  const fds = [openSync(files.stdin ?? '/dev/null', 'r'), openSync(files.stdout ?? '/dev/null', 'w'), openSync(files.stderr ?? '/dev/null', 'w')];
  try {
    const child = spawn(command, ['--root', root, ...args], { stdio: fds });
    return { child, exit: once(child, 'exit').then(([code]) => code as number | null) };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

async function writeBundle(script: string): Promise<void> {
  await writeFile(join(bundle, 'config.json'), JSON.stringify({
    ociVersion: '1.2.0',
    process: { user: { uid: 0, gid: 0 }, args: ['/bin/sh', '-c', script], cwd: '/', env: ['PATH=/usr/bin:/bin'] },
    root: { path: '/' },
  }));
}

beforeEach(async () => {
  work = await dir({ prefix: 'rtconform-resident-', unsafeCleanup: true });
  root = join(work.path, 'root');
  await cp(join(packageRoot(), 'dist/fake-runtime'), join(work.path, 'fake-runtime'), { recursive: true });
  command = join(work.path, 'fake-runtime/rtconform-fake-runtime');
  bundle = join(work.path, 'bundle');
  await mkdir(bundle);
  await writeBundle('while :; do sleep 0.05; done');
});

afterEach(async () => {
  for (const id of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('@')).map((e) => e.name)) {
    await execa(oneShot, ['--root', root, 'delete', '--force', id], { reject: false });
  }
  await stopResidentFakes([work.path]);
  await work.cleanup();
});

describe('the resident fake', () => {
  it('answers each verb it serves as the one-shot fake does: exit code, stdout and stderr', async () => {
    await withResident();
    // Without its one-shot fake, the command can only answer through the resident one.
    await rm(join(work.path, 'fake-runtime/main.cjs'));
    const created = await fake(['create', '--bundle', bundle, 'c1'], { stdio: ['ignore', 'ignore', 'ignore'] });
    expect(created.exitCode).toBe(0);
    const calls: string[][] = [
      ['state', 'c1'], ['state', 'nope'], ['list'], ['list', '--format', 'json'], ['list', '-q'], ['ps', 'c1'],
      ['features'], ['kill', 'nope'], ['start', 'nope'], ['delete', 'nope'], ['pause', 'nope'], ['resume', 'c1'], ['state'],
    ];
    for (const args of calls) {
      const served = await fake(args);
      const direct = await execa(oneShot, ['--root', root, ...args], { reject: false });
      expect({ args, code: served.exitCode, out: served.stdout, err: served.stderr })
        .toEqual({ args, code: direct.exitCode, out: direct.stdout, err: direct.stderr });
    }
  });

  it('gives each container its caller\'s own stdin, stdout and stderr, for many created at once', async () => {
    await withResident();
    await writeBundle('read -r line; echo "out-$line"; echo "err-$line" >&2; while :; do sleep 0.05; done');
    const ids = Array.from({ length: 16 }, (_, i) => `c${i}`);
    await Promise.all(ids.map(async (id) => {
      // As the adapter gives a container its files: descriptors of the caller, no pipe between.
      await writeFile(join(work.path, `${id}.in`), `${id}\n`);
      const file = (ext: string): string => join(work.path, `${id}.${ext}`);
      expect(await spawnOnFiles(['create', '--bundle', bundle, id], { stdin: file('in'), stdout: file('out'), stderr: file('err') }).exit).toBe(0);
      expect((await fake(['start', id])).exitCode).toBe(0);
    }));
    for (const id of ids) {
      // What it read from its own stdin, back on its own stdout and stderr.
      await waitFor(async () => ((await readFile(join(work.path, `${id}.out`), 'utf8')) === `out-${id}\n` ? true : undefined), { timeoutMs: 10_000, who: 'rtconform', description: `${id}'s stdout` });
      await waitFor(async () => ((await readFile(join(work.path, `${id}.err`), 'utf8')) === `err-${id}\n` ? true : undefined), { timeoutMs: 10_000, who: 'rtconform', description: `${id}'s stderr` });
    }
  });

  it('serves the verbs that wait on a process with the caller\'s files: run, exec and restore; and checkpoint, events --stats and exec --detach', async () => {
    await withResident();
    // Without its one-shot fake, the command can only answer through the resident one.
    await rm(join(work.path, 'fake-runtime/main.cjs'));
    const path = (name: string): string => join(work.path, name);
    const read = (name: string): Promise<string> => readFile(path(name), 'utf8');
    const status = async (id: string): Promise<string> => {
      const state = await fake(['state', id]);
      return state.exitCode === 0 ? (JSON.parse(state.stdout) as { status: string }).status : state.stderr;
    };

    await writeBundle('echo "run-out"; echo "run-err" >&2; exit 3');
    expect(await spawnOnFiles(['run', '--bundle', bundle, 'r1'], { stdout: path('run.out'), stderr: path('run.err') }).exit).toBe(3);
    expect([await read('run.out'), await read('run.err')]).toEqual(['run-out\n', 'run-err\n']);
    expect(await status('r1')).toContain('does not exist');

    await writeBundle('while :; do sleep 0.05; done');
    expect(await spawnOnFiles(['run', '--detach', '--bundle', bundle, 'c1'], {}).exit).toBe(0);
    expect(await status('c1')).toBe('running');
    await writeFile(path('exec.in'), 'in\n');
    expect(await spawnOnFiles(['exec', 'c1', 'sh', '-c', 'read -r line; echo "exec-$line"; exit 4'], { stdin: path('exec.in'), stdout: path('exec.out') }).exit).toBe(4);
    expect(await read('exec.out')).toBe('exec-in\n');
    expect((await fake(['exec', '--detach', '--pid-file', path('exec.pid'), 'c1', 'sleep', '30'])).exitCode).toBe(0);
    const execPid = Number(await read('exec.pid'));
    expect(isAlive(execPid)).toBe(true);

    const stats = await fake(['events', '--stats', 'c1']);
    expect(stats.exitCode).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ type: 'stats', id: 'c1' });

    const image = path('image');
    expect((await fake(['checkpoint', '--image-path', image, '--leave-running', 'c1'])).exitCode).toBe(0);
    expect(await status('c1')).toBe('running');
    expect((await fake(['checkpoint', '--image-path', image, 'c1'])).exitCode).toBe(0);
    expect(await status('c1')).toContain('does not exist');
    // The checkpoint stopped the exec'd process with the container.
    expect(isAlive(execPid)).toBe(false);
    expect(await spawnOnFiles(['restore', '--detach', '--image-path', image, '--bundle', bundle, 'c1'], {}).exit).toBe(0);
    expect(await status('c1')).toBe('running');
    await writeBundle('exit 5');
    expect(await spawnOnFiles(['restore', '--image-path', image, '--bundle', bundle, 'r2'], {}).exit).toBe(5);
    expect(await status('r2')).toContain('does not exist');
  });

  it('sends a served run\'s container SIGTERM when its caller ends, as runc forwards the signal it gets', async () => {
    await withResident();
    await rm(join(work.path, 'fake-runtime/main.cjs'));
    await writeBundle('trap "echo got-term; exit 9" TERM; while :; do sleep 0.05; done');
    const run = spawnOnFiles(['run', '--bundle', bundle, 'r1'], { stdout: join(work.path, 'run.out') });
    const pid = await waitFor(async () => {
      const state = await fake(['state', 'r1']);
      return state.exitCode === 0 ? (JSON.parse(state.stdout) as { pid: number }).pid : undefined;
    }, { timeoutMs: 10_000, who: 'rtconform', description: 'r1 to run' });
    // Served: the container is the resident fake's child, and its caller (the command) waits for the answer.
    expect(Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1])).toBe(residentPid());
    run.child.kill('SIGTERM');
    expect(await run.exit).toBeNull();
    await waitFor(async () => ((await readFile(join(work.path, 'run.out'), 'utf8')) === 'got-term\n' ? true : undefined), { timeoutMs: 10_000, who: 'rtconform', description: 'the container to get SIGTERM' });
    await waitFor(async () => ((await fake(['state', 'r1'])).stderr.includes('does not exist') ? true : undefined), { timeoutMs: 10_000, who: 'rtconform', description: 'r1 to be removed once it ended' });
  });

  it('resolves a relative root, bundle and pid file against the caller\'s working directory', async () => {
    await withResident();
    const result = await execa(command, ['--root', 'root', 'create', '--bundle', 'bundle', '--pid-file', 'c.pid', 'rel'], { cwd: work.path, stdio: ['ignore', 'ignore', 'ignore'], reject: false });
    expect(result.exitCode).toBe(0);
    const state = JSON.parse((await fake(['state', 'rel'])).stdout) as { bundle: string; pid: number };
    expect(state.bundle).toBe(bundle);
    expect(Number(await readFile(join(work.path, 'c.pid'), 'utf8'))).toBe(state.pid);
  });

  it('leaves to the one-shot fake what it does not serve (a container on a socket), and keeps each caller\'s faults', async () => {
    const pid = await withResident();
    expect((await fake(['no-such-verb'])).stderr).toContain('unknown command "no-such-verb"');
    // execa's pipes are sockets, which the resident fake cannot hand on: node runs the call, and the output arrives.
    await writeBundle('echo via-socket');
    const run = await fake(['run', '--bundle', bundle, 'r1']);
    expect(run).toMatchObject({ exitCode: 0, stdout: 'via-socket' });
    await writeBundle('sleep 30');
    await fake(['create', '--bundle', bundle, 'c2'], { stdio: ['ignore', 'ignore', 'ignore'] });
    const lying = await fake(['state', 'c2'], { env: { RTCONFORM_FAKE_FAULTS: 'state-status-lies' } });
    expect(JSON.parse(lying.stdout)).toMatchObject({ status: 'running' });
    expect(JSON.parse((await fake(['state', 'c2'])).stdout)).toMatchObject({ status: 'created' });
    expect(residentPid()).toBe(pid);
  });

  it('leaves when its root is removed, and on SIGTERM, taking its dir with it', async () => {
    const first = await withResident();
    await rm(root, { recursive: true, force: true });
    await waitFor(() => (isAlive(first) ? undefined : true), { timeoutMs: 5000, who: 'rtconform', description: 'the resident fake to leave with its root' });
    const second = await withResident();
    process.kill(second, 'SIGTERM');
    await waitFor(() => (isAlive(second) ? undefined : true), { timeoutMs: 5000, who: 'rtconform', description: 'the resident fake to leave on SIGTERM' });
    expect(readdirSync(root).filter((n) => n.startsWith('@'))).toEqual([]);
    // The next call runs in node and starts a new one.
    expect((await fake(['list', '-q'])).exitCode).toBe(0);
    await waitFor(() => residentPid(), { timeoutMs: 10_000, who: 'rtconform', description: 'a new resident fake' });
  });

  it('is stopped by the run\'s sweep when its root is in the run dir, and not otherwise', async () => {
    const pid = await withResident();
    await stopResidentFakes([join(work.path, 'elsewhere')]);
    expect(isAlive(pid)).toBe(true);
    await stopResidentFakes([work.path]);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(root, '@server'))).toBe(false);
  });
});

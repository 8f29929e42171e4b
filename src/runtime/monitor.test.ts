import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleBuilder, writeConfig } from '../bundle/bundle-builder.js';
import { buildBusyboxRootfs, findBusybox } from '../bundle/rootfs.js';
import { isRoot } from '../util/is-root.js';
import { ContainerWaitError, MonitorRequiredError, RuntimeError } from './errors.js';
import { parseContainerLog } from './monitor.js';
import { MonitoredCliRuntime } from './monitored-runtime.js';
import { openRuntime, resolveRuntime } from './resolve.js';
import type { PlainExecOptions } from './runtime.js';

const CONMON = ['/usr/bin/conmon', '/usr/local/bin/conmon'].find((p) => existsSync(p));

describe('parseContainerLog', () => {
  it('reads each CRI log line: time, stream, whole or partial, text (spaces kept)', () => {
    expect(parseContainerLog('2026-11-30T17:05:07.43+00:00 stdout F out  line\n2026-11-30T17:05:07.44+00:00 stderr P part\n')).toEqual([
      { time: '2026-11-30T17:05:07.43+00:00', stream: 'stdout', partial: false, text: 'out  line' },
      { time: '2026-11-30T17:05:07.44+00:00', stream: 'stderr', partial: true, text: 'part' },
    ]);
  });

  it('keeps the carriage returns a terminal writes', () => {
    expect(parseContainerLog('2026-11-30T17:05:07.43+00:00 stdout F fd0 tty\r\n').map((l) => l.text)).toEqual(['fd0 tty\r']);
  });

  it('quotes a line that is not in the format', () => {
    expect(() => parseContainerLog('garbage here\n')).toThrow(/not in the CRI log format: "garbage here"/);
  });
});

// The fake runtime under the real conmon: the adapter's side of the monitor, without root.
describe.skipIf(CONMON === undefined)('a runtime opened with a monitor (conmon; skipped where conmon is not installed)', () => {
  let work: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await dir({ prefix: 'rtconform-monitor-', unsafeCleanup: true });
  });
  afterAll(async () => work.cleanup());

  const openMonitored = () => openRuntime('fake', { workDir: join(work.path, 'work'), root: join(work.path, 'root'), monitor: { binary: CONMON! } });
  const bundle = async (name: string, args: string[]): Promise<string> => {
    const path = join(work.path, name);
    await writeConfig(path, new BundleBuilder().args(...args).build());
    await mkdir(join(path, 'rootfs'));
    return path;
  };

  it('a create the runtime refuses is a RuntimeError with the runtime\'s own words', async () => {
    const empty = join(work.path, 'empty-bundle');
    await mkdir(empty);
    const error = await openMonitored().create('refused', { bundle: empty }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toMatch(/conmon create failed \(no exit code\): .*config\.json/);
  });

  it('a monitor that dies before the runtime\'s create ended (conmon, on a bundle that is not there) fails the create at once', async () => {
    const started = Date.now();
    const error = await openMonitored().create('nowhere', { bundle: join(work.path, 'no-such-bundle') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toMatch(/conmon create failed \(exit 125\): conmon ended before the runtime's call did/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('wait past its limit says so, with the container\'s last status; a later wait still gets the exit', async () => {
    const runtime = openMonitored();
    await runtime.create('slow', { bundle: await bundle('slow', ['sh', '-c', 'sleep 1; exit 4']) });
    await runtime.start('slow');
    const error = await runtime.wait('slow', { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerWaitError);
    expect((error as Error).message).toMatch(/last status: running.*no exit within 100 ms/);
    expect(await runtime.wait('slow', { timeoutMs: 10_000 })).toMatchObject({ exitCode: 4, signal: undefined });
    await runtime.delete('slow');
  });

  it('a container id used again waits for its new process, not the last one\'s exit', async () => {
    const runtime = openMonitored();
    for (const code of [5, 6]) {
      await runtime.create('again', { bundle: await bundle(`again-${code}`, ['sh', '-c', `exit ${code}`]) });
      await runtime.start('again');
      expect(await runtime.wait('again', { timeoutMs: 10_000 })).toMatchObject({ exitCode: code });
      await runtime.delete('again');
    }
  });

  it('takes a relative bundle and pid file from the caller\'s working directory, and writes the pid file there', async () => {
    const caller = join(work.path, 'caller');
    await mkdir(caller);
    const path = await bundle('caller/relative', ['sh', '-c', 'exit 3']);
    const runtime = openMonitored();
    await runtime.create('relative', { bundle: relative(caller, path), pidFile: 'relative.pid', workingDir: caller });
    await runtime.start('relative');
    expect(await runtime.wait('relative', { timeoutMs: 10_000 })).toMatchObject({ exitCode: 3 });
    await runtime.delete('relative');
    expect(readdirSync(caller).sort(), 'what the caller\'s working directory holds').toEqual(['relative', 'relative.pid']);
  });

  // conmon makes a console socket (conmon-term.XXXXXX) in its TMPDIR for an exec with a terminal,
  // and leaves it there when the runtime fails before taking it (runsc: no `exec --tty`).
  it('an exec with a terminal the runtime refuses leaves nothing in the caller\'s TMPDIR (conmon\'s console socket goes with the call)', async () => {
    const callerTmp = join(work.path, 'caller-tmp');
    await mkdir(callerTmp);
    const runtime = openRuntime('fake', {
      workDir: join(work.path, 'work-tty'), root: join(work.path, 'root'), monitor: { binary: CONMON! }, env: { TMPDIR: callerTmp },
    });
    await expect(runtime.exec('no-such-container', ['true'], { tty: true })).rejects.toBeInstanceOf(RuntimeError);
    expect(readdirSync(callerTmp), 'what the caller\'s TMPDIR holds').toEqual([]);
  });

  it('a runtime opened without a monitor has no wait, logs or attach; an exec with a terminal asked of it anyway (no types) is the caller\'s mistake', async () => {
    const direct = openRuntime('fake', { workDir: join(work.path, 'work'), root: join(work.path, 'root') });
    for (const method of ['wait', 'logs', 'attach']) expect(method in direct, method).toBe(false);
    expect(direct).not.toBeInstanceOf(MonitoredCliRuntime);
    expect(openMonitored()).toBeInstanceOf(MonitoredCliRuntime);
    const untyped = direct.exec('x', ['true'], { tty: true } as PlainExecOptions);
    await expect(untyped).rejects.toBeInstanceOf(MonitorRequiredError);
    await expect(untyped).rejects.toThrow(/exec with a terminal needs a monitor/);
  });
});

/** Why runc under conmon cannot OOM-kill a container here, or undefined when it can. */
function noOomHere(): string | undefined {
  if (CONMON === undefined) return 'conmon is not installed';
  if (!isRoot()) return 'runc needs root';
  try {
    resolveRuntime('runc');
  } catch (error) {
    return (error as Error).message;
  }
  if (findBusybox() === undefined) return 'busybox-static is not installed (the rootfs)';
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers') && readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/).includes('memory');
  if (!v2 && !existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) return 'no memory cgroup controller to limit memory with';
  return undefined;
}

// conmon writes a file named `oom` into its working directory when the container is OOM-killed
// (cri-o runs it in the container's dir). A real OOM kill, by runc on the host, is the only way
// to make conmon write it.
describe('a monitored container the OOM killer ends (runc under conmon)', () => {
  it('leaves conmon\'s oom file in the monitor\'s dir, and nothing in the caller\'s working directory', async (ctx) => {
    const reason = noOomHere();
    if (reason !== undefined) return ctx.skip(reason);
    const work = await dir({ prefix: 'rtconform-monitor-oom-', unsafeCleanup: true });
    try {
      const caller = join(work.path, 'caller');
      await mkdir(caller);
      const path = join(work.path, 'bundle');
      await writeConfig(path, new BundleBuilder().resources({ memory: { limit: 16 * 1024 * 1024 } }).args('dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1').build());
      await buildBusyboxRootfs(join(path, 'rootfs'));
      const workDir = join(work.path, 'work');
      const runtime = openRuntime('runc', { workDir, root: join(work.path, 'root'), monitor: { binary: CONMON! } });
      const id = `rtc-oom-${process.pid}`;
      await runtime.create(id, { bundle: path, workingDir: caller });
      try {
        await runtime.start(id);
        expect(await runtime.wait(id, { timeoutMs: 15_000 })).toMatchObject({ exitCode: 128 + 9, signal: 'SIGKILL' });
      } finally {
        await runtime.delete(id, { force: true });
      }
      // Where conmon put it says it saw the kill: the check below is not passed by a monitor that saw nothing.
      expect(existsSync(join(workDir, 'monitor', 'oom')), 'conmon\'s oom file in the monitor\'s dir').toBe(true);
      expect(readdirSync(caller), 'what the caller\'s working directory holds').toEqual([]);
    } finally {
      await work.cleanup();
    }
  }, 60_000);
});

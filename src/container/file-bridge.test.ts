import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { containerTestSkipReason } from '../harness/container-targets.js';
import { waitFor } from '../util/wait.js';
import type { ContainerProcessRunner } from './container-process-runner.js';
import { engineClient } from './engine.js';
import { fileSharingFor, findSftpServer } from './file-bridge.js';
import { defaultImageName } from './runtimes-image.js';
import { startTargetContainer, type TargetContainer } from './target-container.js';

/**
 * The file bridge on whatever engine the self-test has (a local one in CI: the bridge is asked
 * for, not inferred from the address), checked from both sides: the engine's own view of the
 * container's mounts, files written on one side and read on the other, and what stop leaves.
 */
const IMAGE = inject('rtconformPlan').containers?.images[0] ?? defaultImageName();

/** Host processes whose command line names `path`. */
function processesNaming(path: string): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes(path) ? [`${pid}: ${cmdline.replaceAll('\0', ' ')}`] : [];
    } catch {
      return [];
    }
  });
}

describe('the file bridge: the run dir in a target container, through the engine alone', () => {
  let problem: string | undefined;
  let shared: DirectoryResult;
  let container: TargetContainer | undefined;
  let runner: ContainerProcessRunner;

  beforeAll(async () => {
    problem = await containerTestSkipReason(inject('rtconformPlan').containers);
    if (problem === undefined && findSftpServer() === undefined) problem = 'no sftp-server on this host (apt-get install -y openssh-sftp-server)';
    if (problem !== undefined) return;
    shared = await dir({ prefix: 'rtconform-bridge-test-', unsafeCleanup: true });
    container = await startTargetContainer({
      image: IMAGE, cgroupView: 'host', runId: `bridge-test-${randomBytes(4).toString('hex')}`, shared: [shared.path], fileSharing: 'bridge', hideUnifiedCgroup: false,
    });
    runner = await container.runner(join(shared.path, 'calls'));
  }, 60_000);

  afterAll(async () => {
    await container?.stop();
    await shared?.cleanup();
  });

  beforeEach((ctx) => {
    if (problem !== undefined) ctx.skip(problem);
  });

  const inside = async (script: string, ...args: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> =>
    runner.run('sh', ['-c', script, 'sh', ...args], { timeoutMs: 10_000 });

  it('is the default for an engine that is not a unix socket, and only then', () => {
    expect(fileSharingFor('unix:///var/run/docker.sock')).toBe('bind');
    expect(fileSharingFor('tcp://127.0.0.1:2375')).toBe('bridge');
    expect(fileSharingFor('ssh://ci@build-host')).toBe('bridge');
  });

  it('binds nothing of the run dir: the engine lists no mount of it, the container sees sshfs there', async () => {
    const docker = (await engineClient()).container.dockerode;
    const mounts = (await docker.getContainer(container!.id).inspect()).Mounts.map((m) => m.Source);
    expect(mounts.filter((source) => source.startsWith(shared.path)), 'bind mounts of the run dir').toEqual([]);
    const seen = await inside('grep " $1 " /proc/self/mountinfo', shared.path);
    expect(seen.stdout, 'the run dir in the container\'s mountinfo').toMatch(/ - fuse\.sshfs /);
    expect(container!.description).toMatch(/run dir over the file bridge/);
  });

  it('shows each side what the other wrote, at once, and what it removed', async () => {
    await writeFile(join(shared.path, 'from-host'), 'written on the host\n');
    expect((await inside('cat "$1"', join(shared.path, 'from-host'))).stdout, 'the host\'s file, read in the container').toBe('written on the host\n');
    await writeFile(join(shared.path, 'from-host'), 'rewritten\n');
    expect((await inside('cat "$1"', join(shared.path, 'from-host'))).stdout, 'the same file, rewritten on the host').toBe('rewritten\n');

    expect((await inside('mkdir -p "$1/sub" && printf "written inside\\n" > "$1/sub/from-container"', shared.path)).exitCode).toBe(0);
    expect(await readFile(join(shared.path, 'sub', 'from-container'), 'utf8'), 'the container\'s file, read on the host').toBe('written inside\n');
    expect((await inside('rm "$1/sub/from-container"', shared.path)).exitCode).toBe(0);
    await expect(readFile(join(shared.path, 'sub', 'from-container'), 'utf8'), 'removed in the container').rejects.toThrow(/ENOENT/);

    // A file that grows while the other side reads it (a container's output, polled by a test).
    const log = join(shared.path, 'growing.log');
    expect((await inside('(for i in 1 2 3; do echo "line $i" >> "$1"; sleep 0.1; done) >/dev/null 2>&1 &', log)).exitCode).toBe(0);
    await waitFor(async () => ((await readFile(log, 'utf8').catch(() => '')) === 'line 1\nline 2\nline 3\n' ? true : undefined), { timeoutMs: 5000, who: 'rtconform', description: 'the three lines on the host' });
  });

  it('keeps large files, modes and absolute symlinks as they are', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    await writeFile(join(shared.path, 'big'), big, { mode: 0o750 });
    expect((await inside('wc -c < "$1"; stat -c %a "$1"', join(shared.path, 'big'))).stdout).toBe(`${big.length}\n750\n`);
    await symlink('/bin/busybox', join(shared.path, 'absolute-link'));
    expect((await inside('readlink "$1"', join(shared.path, 'absolute-link'))).stdout).toBe('/bin/busybox\n');
    expect((await inside('ln -s /proc/self/fd "$1"', join(shared.path, 'made-inside'))).exitCode).toBe(0);
    expect(await readlink(join(shared.path, 'made-inside'))).toBe('/proc/self/fd');
  });

  it('holds no fifos (why the runner has no agent and the monitor gets a bundle of the target\'s own)', async () => {
    const made = await inside('mkfifo "$1"', join(shared.path, 'fifo'));
    expect(made.exitCode, 'mkfifo on the bridge').not.toBe(0);
  });

  it('serves the run dir and nothing else of this machine: its sftp-server sees the run dir, read-only /usr and libs, no /etc of ours', async () => {
    const servers = processesNaming(shared.path).filter((line) => line.includes('sftp-server -d'));
    expect(servers, 'the bridge\'s sftp-server').toHaveLength(1);
    const root = `/proc/${servers[0]!.split(':')[0]}/root`;
    const top = shared.path.split('/')[1]!;
    expect(readdirSync(root).filter((e) => !['dev', 'etc', 'usr', 'lib', 'lib32', 'lib64', 'libx32', top].includes(e)), 'what else its root holds').toEqual([]);
    expect(readdirSync(join(root, 'etc')), 'its /etc').toEqual(['passwd']);
    expect(readdirSync(join(root, 'dev')), 'its /dev').toEqual(['null']);
    expect(readdirSync(join(root, shared.path)).sort(), 'the run dir as it sees it').toEqual(readdirSync(shared.path).sort());
    await expect(writeFile(join(root, 'usr', 'rtconform-bridge-probe'), 'x'), 'writing into its /usr').rejects.toThrow(/EROFS/);
  });

  it('ends with stop: no mount in the container, no sftp-server of ours left on the host', async () => {
    const path = shared.path;
    expect(processesNaming(path).length, 'the bridge\'s sftp-server while it runs').toBeGreaterThan(0);
    const other = await startTargetContainer({
      image: IMAGE, cgroupView: 'host', runId: `bridge-stop-${randomBytes(4).toString('hex')}`, shared: [join(path, 'second')], fileSharing: 'bridge', hideUnifiedCgroup: false,
    }).catch((error: unknown) => error as Error);
    // The dir must exist on the host before it is served.
    expect(other).toBeInstanceOf(Error);
    expect(processesNaming(join(path, 'second')), 'a bridge that failed to start').toEqual([]);
    await container!.stop();
    container = undefined;
    expect(processesNaming(path), 'sftp-server after stop').toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { engineClient } from '../container/engine.js';
import { engineExec } from '../container/engine-exec.js';
import { packageRoot } from '../package-root.js';
import { isRoot } from '../util/is-root.js';
import { isAlive } from '../util/procfs.js';
import { waitFor } from '../util/wait.js';
import { cgroupsNamed, sweepCgroups } from './cgroup-sweep.js';
import { containerTestSkipReason } from './container-targets.js';
import { containerIdPrefix, killLeftoverProcesses, killProcessesUnder, removeAbandonedTargets } from './sweep.js';

describe('the sweep after a run', () => {
  it('kills what still names the run, as runsc\'s sandbox does when its state is gone, and nothing else', async () => {
    // Stand-ins: one process naming a container id of the run, one naming the run dir, one of another run.
    // One process each, the mark in its own argv: killing it leaves no child behind.
    const idle = (mark: string): ReturnType<typeof spawn> => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)', mark], { stdio: 'ignore' });
    const ours = idle('rtc-sw1-deadbeef');
    const inDir = idle('/tmp/rtconform-sw1-xyz/tests/log');
    const theirs = idle('rtc-sw2-deadbeef');
    const marked = (child: ReturnType<typeof spawn>, mark: string): Promise<true> => waitFor(
      () => (readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').includes(mark) ? true : undefined),
      { timeoutMs: 5000, who: 'rtconform', description: `process ${child.pid} to run with ${mark}` },
    );
    await Promise.all([marked(ours, 'rtc-sw1-'), marked(inDir, 'rtconform-sw1-'), marked(theirs, 'rtc-sw2-')]);
    try {
      const killed = await killLeftoverProcesses('/tmp/rtconform-sw1-xyz', 'sw1');
      // Each named with its command, so a leak says where it came from.
      const idleCommand = `${process.execPath} -e setTimeout(() => {}, 300_000)`;
      expect(killed.sort()).toEqual([`process ${ours.pid} (${idleCommand} rtc-sw1-deadbeef)`, `process ${inDir.pid} (${idleCommand} /tmp/rtconform-sw1-xyz/tests/log)`].sort());
      await Promise.all([once(ours, 'exit'), once(inDir, 'exit')]);
      expect(isAlive(theirs.pid!)).toBe(true);
    } finally {
      for (const child of [ours, inDir, theirs]) child.kill('SIGKILL');
    }
  });

  it('leaves another user\'s process that names a container id of the run (anyone can type one), but not one of ours that does', async (ctx) => {
    if (!isRoot()) return ctx.skip('starting a process as another user needs root');
    const idle = (mark: string, asNobody: boolean): ReturnType<typeof spawn> => asNobody
      ? spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', 'setTimeout(() => {}, 300_000)', mark], { stdio: 'ignore' })
      : spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)', mark], { stdio: 'ignore' });
    const theirs = idle('rtc-sw5-deadbeef', true);
    const ours = idle('rtc-sw5-cafe', false);
    try {
      await waitFor(() => ([theirs, ours].every((c) => readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').includes('rtc-sw5-')) ? true : undefined), { timeoutMs: 5000, who: 'rtconform', description: 'both processes to run' });
      expect(await killLeftoverProcesses('/run/rtconform/sw5-none', 'sw5')).toEqual([`process ${ours.pid} (${process.execPath} -e setTimeout(() => {}, 300_000) rtc-sw5-cafe)`]);
      await once(ours, 'exit');
      expect(isAlive(theirs.pid!), 'nobody\'s process').toBe(true);
    } finally {
      for (const child of [theirs, ours]) child.kill('SIGKILL');
    }
  });

  it('kills a process that works in the run dir though its command line names nothing of the run (a listener a test started there)', async () => {
    const runDir = await dir({ prefix: 'rtconform-sw3-', unsafeCleanup: true });
    const work = join(runDir.path, 'tests', 'listener');
    await mkdir(work, { recursive: true });
    const listener = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)'], { stdio: 'ignore', cwd: work });
    const elsewhere = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)'], { stdio: 'ignore', cwd: tmpdir() });
    try {
      await waitFor(() => (existsSync(`/proc/${listener.pid}/cwd`) && existsSync(`/proc/${elsewhere.pid}/cwd`) ? true : undefined), { timeoutMs: 5000, who: 'rtconform', description: 'both processes to run' });
      expect(await killLeftoverProcesses(runDir.path, 'sw3')).toEqual([`process ${listener.pid} (${process.execPath} -e setTimeout(() => {}, 300_000))`]);
      await once(listener, 'exit');
      expect(isAlive(elsewhere.pid!)).toBe(true);
    } finally {
      for (const child of [listener, elsewhere]) child.kill('SIGKILL');
      await runDir.cleanup();
    }
  });

  it('kills, when a block of tests ends, what names the dir of one of its tests (runsc\'s sandbox after its state was lost), not another block\'s', async () => {
    const tests = '/tmp/rtconform-sw4-xyz/tests';
    // After `--`: node would take --log for an option of its own, refuse it and exit.
    const idle = (mark: string): ReturnType<typeof spawn> => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)', '--', mark], { stdio: 'ignore' });
    const ours = idle(`--log=${tests}/runsc--123_0_2/adapter/log.json`);
    const otherBlock = idle(`--log=${tests}/runsc--123_1_0/adapter/log.json`);
    try {
      await waitFor(() => ([ours, otherBlock].every((c) => readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').includes('--log=')) ? true : undefined), { timeoutMs: 5000, who: 'rtconform', description: 'both processes to run' });
      expect(killProcessesUnder(`${tests}/runsc--123_0_`)).toEqual([`process ${ours.pid} (${process.execPath} -e setTimeout(() => {}, 300_000) -- --log=${tests}/runsc--123_0_2/adapter/log.json)`]);
      await once(ours, 'exit');
      expect(isAlive(otherBlock.pid!)).toBe(true);
    } finally {
      for (const child of [ours, otherBlock]) child.kill('SIGKILL');
    }
  });
});

/** A busybox bundle in the target's /tmp, and runc running `sleep 600` from it under the given id. */
const RUNC_IN_TARGET = `set -e
mkdir -p /tmp/b/rootfs/bin /tmp/b/rootfs/proc /tmp/b/rootfs/dev /tmp/b/rootfs/sys
cp /bin/busybox /tmp/b/rootfs/bin/ && ln -s busybox /tmp/b/rootfs/bin/sleep
cd /tmp/b && runc spec
sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"sleep", "600"/' config.json
runc run -d "$1" </dev/null >/dev/null 2>&1`;

describe('a target container whose run died without removing it', () => {
  it('goes with the cgroups its runtime made on the host, the cgroup2 one at the top of the hierarchy included', async (ctx) => {
    const plan = inject('rtconformPlan').containers;
    const problem = await containerTestSkipReason(plan);
    if (problem !== undefined) return ctx.skip(problem);
    if (!isRoot()) return ctx.skip('runc in a host-view target makes host cgroups only as root');
    const runId = `ab${randomBytes(3).toString('hex')}`;
    const prefix = containerIdPrefix(runId);
    // Its owner: a node process that starts the target and ends without stopping it, as a killed
    // run does. It lives until runc has run in the target: a target whose owner is gone is anyone's
    // to remove, and the whole runs other tests start meanwhile remove every such target.
    const module = pathToFileURL(join(packageRoot(), 'dist/src/container/target-container.js')).href;
    const owner = execa('node', ['--input-type=module', '-e', `import { startTargetContainer } from ${JSON.stringify(module)};
const target = await startTargetContainer({ image: ${JSON.stringify(plan!.images[0])}, cgroupView: 'host', runId: '${runId}', shared: [], hideUnifiedCgroup: false });
console.log(target.id);
process.stdin.on('end', () => process.exit(0)).resume();`], { stdin: 'pipe' });
    const targetId = await new Promise<string>((resolve, reject) => {
      let text = '';
      owner.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const id = /^[0-9a-f]{64}$/m.exec(text)?.[0];
        if (id !== undefined) resolve(id);
      });
      owner.then((r) => reject(new Error(`the owner ended before starting its target: ${r.stderr}`)), reject);
    });
    const docker = (await engineClient()).container.dockerode;
    try {
      const exec = await engineExec(docker, targetId, ['sh', '-c', RUNC_IN_TARGET, 'sh', `${prefix}x`]);
      await exec.demux(() => undefined, () => undefined);
      expect(await exec.exitCode(), 'runc run in the target').toBe(0);
      expect(cgroupsNamed(prefix).length, 'cgroups runc made for its container').toBeGreaterThan(0);

      owner.stdin.end();
      await owner;
      await removeAbandonedTargets();

      // Any run starting meanwhile does the same for every abandoned target on this host, this
      // one included: what counts is that the target is gone, and every cgroup of its run.
      // (and one that started first may still be removing it, then its cgroups).
      await waitFor(async () => (await docker.getContainer(targetId).inspect().then(() => undefined, () => true)), { timeoutMs: 30_000, who: 'rtconform', description: `target ${targetId} to be gone` });
      await waitFor(() => (cgroupsNamed(prefix).length === 0 ? true : undefined), { timeoutMs: 10_000, who: 'rtconform', description: 'the dead run\'s cgroups to be removed' }).catch(() => undefined);
      expect(cgroupsNamed(prefix), 'cgroups of the dead run left on the host').toEqual([]);
    } finally {
      owner.kill();
      await docker.getContainer(targetId).remove({ force: true }).catch(() => undefined);
      sweepCgroups(prefix, [targetId]);
    }
  }, 120_000);
});

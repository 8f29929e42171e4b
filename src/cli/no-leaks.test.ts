import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { describe, expect, inject, it } from 'vitest';
import { engineClient, pingEngine } from '../container/engine.js';
import { containerTestSkipReason } from '../harness/container-targets.js';
import { LABEL } from '../container/target-container.js';
import { cgroupsNamed } from '../harness/cgroup-sweep.js';
import { runsDir } from '../harness/run-home.js';
import { packageRoot } from '../package-root.js';
import { waitFor } from '../util/wait.js';
import { isAlive, processTree, procStat } from '../util/procfs.js';
import { ComplianceReportSchema } from '../report/compliance.js';
import { PARTIAL_NOTE } from '../harness/compliance-reporter.js';
import { runcOnHost } from './testdata/runc-on-host.js';

const CLI = (): string => join(packageRoot(), 'dist/cli/main.js');


/** The private dir of runs (harness/run-home.ts): the machine's, or a test's own (--state-dir). */
const runsDirOf = (stateDir?: string): string => runsDir(stateDir);

/** The homes of one run, by its id (`<runs dir>/<id>-XXXXXX`). */
function homesOf(runId: string, stateDir?: string): string[] {
  const runs = runsDirOf(stateDir);
  return readdirSync(runs).filter((e) => e.startsWith(`${runId}-`)).map((e) => join(runs, e));
}

/** Everything of one run that could outlive it, found by its run id. */
async function leftovers(runId: string, stateDir?: string): Promise<string[]> {
  const found: string[] = [];
  const prefix = `rtc-${runId}-`;
  if (runcOnHost()) {
    const list = await execa('runc', ['list', '--format', 'json']);
    for (const c of (JSON.parse(list.stdout) as { id: string }[] | null) ?? []) if (c.id.startsWith(prefix)) found.push(`runc container ${c.id}`);
  }
  const homes = homesOf(runId, stateDir);
  found.push(...homes.map((h) => `home ${h}`));
  const home = `${runsDirOf(stateDir)}/${runId}-`;
  for (const entry of readdirSync(tmpdir())) if (entry.startsWith(`rtconform-${runId}-`)) found.push(`temp dir ${entry}`);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const cmdline = (() => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { return ''; } })();
    const cwd = (() => { try { return readlinkSync(`/proc/${pid}/cwd`); } catch { return ''; } })();
    if (cmdline.includes(home) || cmdline.includes(prefix) || cwd.startsWith(home)) found.push(`process ${pid}: ${cmdline.replaceAll('\0', ' ')} (in ${cwd})`);
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const line of mounts.split('\n')) if (line.includes(home)) found.push(`mount ${line}`);
  found.push(...cgroupsNamed(prefix).map((d) => `cgroup ${d}`));
  if ((await pingEngine()).reachable) {
    const client = await engineClient();
    const targets = await client.container.dockerode.listContainers({ all: true, filters: { label: [`${LABEL.run}=${runId}`] } });
    found.push(...targets.map((t) => `target container ${t.Id.slice(0, 12)} (${t.State})`));
  }
  return found;
}

/**
 * A private dir of runs for one test (--state-dir): the runs other tests start at the same time
 * look in the machine's. Short, as socket paths in it are bounded to 107 bytes.
 */
async function ownRunsDir(): Promise<{ path: string; args: string[]; cleanup: () => Promise<void> }> {
  const base = await mkdtemp('/tmp/rx');
  const path = join(base, 'r');
  return { path, args: ['--state-dir', path], cleanup: () => rm(base, { recursive: true, force: true }) };
}

/** Whether a fake container of the run exists (in its home's fake state root). */
function hasFakeContainer(runId: string, stateDir?: string): boolean {
  return homesOf(runId, stateDir).some((home) => {
    const root = join(home, 'run', 'fake-root');
    return existsSync(root) && readdirSync(root).some((c) => c.startsWith(`rtc-${runId}-`));
  });
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

/** Starts `rtconform run` under a given run id, its report in a temp dir that `ended` removes. */
async function startRun(runId: string, args: string[], suite: string): Promise<{ child: ReturnType<typeof execa>; ended: () => Promise<{ exitCode: number | undefined; all: string | undefined }> }> {
  const out = await dir({ prefix: 'rtconform-leak-out-', unsafeCleanup: true });
  const child = execa('node', [CLI(), 'run', ...args, '--suite', suite, '--out', out.path, '--run-id', runId], {
    reject: false, all: true,
  });
  return {
    child,
    ended: async () => {
      const result = await child;
      await out.cleanup();
      return { exitCode: result.exitCode, all: typeof result.all === 'string' ? result.all : undefined };
    },
  };
}

describe('nothing of ours is left behind', () => {
  const runtimes = runcOnHost() ? ['fake', 'runc'] : ['fake'];

  it(`after a completed run on the host's cgroups, monitored containers included (${runtimes.join(', ')})`, async () => {
    const runId = `lk${randomBytes(2).toString('hex')}`;
    // suites/monitor: containers under conmon, whose monitors must be gone too. The resource
    // suites: runc making and limiting cgroups in the host's own hierarchy, read through the
    // host target (what `sudo rtconform run --runtime runc` does); the self-test's suites judge
    // runc in the images, whose containers share this hierarchy (docs/performance.md). Exit 0:
    // held to its declaration.
    const cgroups = ['resources', 'stats', 'lifecycle/resources', 'operations/pause-ps-stats'];
    const result = await (await startRun(runId, [...runtimes.flatMap((r) => ['--runtime', r]), ...['monitor', ...cgroups].flatMap((s) => ['--suite', s])], 'lifecycle/start')).ended();
    expect(result.exitCode, result.all).toBe(0);
    expect(await leftovers(runId)).toEqual([]);
  }, 180_000);

  it(`after a run interrupted with SIGINT while containers exist (${runtimes.join(', ')})`, async () => {
    const runId = `in${randomBytes(2).toString('hex')}`;
    const { child, ended } = await startRun(runId, runtimes.flatMap((r) => ['--runtime', r]), 'lifecycle');
    // Interrupt once the run has containers of its own alive.
    await waitFor(() => (hasFakeContainer(runId) ? true : undefined), { timeoutMs: 60_000, who: 'rtconform', description: 'the run to create a container' });
    child.kill('SIGINT');
    const result = await ended();
    expect(result.exitCode, result.all).toBe(130);
    expect(await leftovers(runId)).toEqual([]);
  }, 180_000);

  it(`after SIGKILL of rtconform and its whole process tree: a partial report, and the next run cleans up (${runtimes.join(', ')})`, async () => {
    const runId = `kl${randomBytes(2).toString('hex')}`;
    const out = await dir({ prefix: 'rtconform-kill-out-', unsafeCleanup: true });
    // A private dir of runs of their own for the killed run and the next one: the runs other
    // tests start at the same time look in the machine's, so the next run is the one that
    // finds the dead one.
    const own = await ownRunsDir();
    try {
      const child = execa('node', [CLI(), 'run', ...runtimes.flatMap((r) => ['--runtime', r]), '--suite', 'lifecycle', '--out', out.path, '--run-id', runId, ...own.args], {
        reject: false, all: true,
      });
      const report = join(out.path, 'compliance.json');
      // Kill once results have reached disk and a container of the run is alive.
      await waitFor(() => (hasFakeContainer(runId, own.path) && existsSync(report) ? true : undefined), { timeoutMs: 90_000, who: 'rtconform', description: 'the run to write results and create a container' });
      // Stop the whole tree first (stopped processes spawn nothing and keep their parents), until
      // no new process appears in it; then kill every one of them at once.
      let tree: number[] = [];
      for (let round = 0; round < 20; round++) {
        const now = processTree([child.pid!]);
        if (now.length === tree.length) break;
        tree = now;
        signalAll(tree, 'SIGSTOP');
      }
      signalAll(tree, 'SIGKILL');
      await child;
      const partial = ComplianceReportSchema.parse(JSON.parse(readFileSync(report, 'utf8')));
      expect(partial).toMatchObject({ interrupted: true, note: PARTIAL_NOTE });
      expect(partial.runs.flatMap((r) => r.results).length).toBeGreaterThan(0);
      expect(await leftovers(runId, own.path), 'what the killed run left, before the next run').not.toEqual([]);

      const next = await (await startRun(`nx${randomBytes(2).toString('hex')}`, ['--runtime', 'fake', ...own.args], 'lifecycle/missing-id')).ended();
      expect(next.exitCode, next.all).toBe(0);
      expect(next.all).toMatch(new RegExp(`run ${runId} \\(pid \\d+\\) ended without cleaning up; removed what it left`));
      expect(await leftovers(runId, own.path)).toEqual([]);
    } finally {
      await out.cleanup();
      await own.cleanup();
    }
  }, 240_000);

  // The fake alone: what is checked is the process tree, whatever the runtime.
  it('after kill -9 of rtconform\'s own process group: the test process stops within seconds and removes what the run made', async () => {
    const runId = `kg${randomBytes(2).toString('hex')}`;
    const out = await dir({ prefix: 'rtconform-killgroup-out-', unsafeCleanup: true });
    const own = await ownRunsDir();
    try {
      // As a shell starts it: rtconform leads a process group of its own, and a `kill -9 -PGID`
      // of that group reaches it alone, not the test process (which leads another).
      const child = execa('node', [CLI(), 'run', '--runtime', 'fake', '--suite', 'lifecycle', '--out', out.path, '--run-id', runId, ...own.args], {
        reject: false, all: true, detached: true,
      });
      await waitFor(() => (hasFakeContainer(runId, own.path) ? true : undefined), { timeoutMs: 90_000, who: 'rtconform', description: 'the run to create a container' });
      const testProcess = processTree([child.pid!]).filter((pid) => procStat(pid)?.ppid === child.pid && procStat(pid)?.pgrp === pid);
      expect(testProcess, 'the test process, leader of a group of its own').toHaveLength(1);
      process.kill(-child.pid!, 'SIGKILL');
      await child;
      const killedAt = Date.now();
      await waitFor(() => (isAlive(testProcess[0]!) ? undefined : true), { timeoutMs: 30_000, who: 'rtconform', description: `test process ${testProcess[0]} to end` });
      expect(Date.now() - killedAt, 'how long the orphaned test process went on').toBeLessThan(20_000);
      expect(await leftovers(runId, own.path)).toEqual([]);
    } finally {
      await out.cleanup();
      await own.cleanup();
    }
  }, 240_000);

  it('after a run against a runc that lies in state (every container "stopped"): no runc init and no cgroup of the run', async (ctx) => {
    if (!runcOnHost()) return ctx.skip('runc on the host needs root and runc on PATH');
    const runId = `ls${randomBytes(2).toString('hex')}`;
    const work = await dir({ prefix: 'rtconform-liar-', unsafeCleanup: true });
    try {
      // The run believes the state: it deletes nothing it thinks has stopped, and the runtime
      // forgets containers whose init still waits. Only the cgroups of the run's name find them.
      const declaration = join(work.path, 'liar.yaml');
      await writeFile(declaration, `name: liar\nlike: runc\nbinary: ${join(packageRoot(), 'src/cli/testdata/hostile/runc-state-says-stopped.sh')}\n`);
      const result = await (await startRun(runId, ['--runtime-config', declaration], 'state')).ended();
      expect(result.exitCode, result.all).toBe(1);
      expect(await leftovers(runId)).toEqual([]);
      // Killed ones may linger as zombies a moment, until init reaps them: those are gone.
      const inits = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
        try {
          return procStat(Number(pid))?.state !== 'Z' && readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`/rtc-${runId}-`);
        } catch {
          return false;
        }
      });
      expect(inits, 'processes still in a cgroup of the run').toEqual([]);
    } finally {
      await work.cleanup();
    }
  }, 180_000);

  describe('in containers (runc, crun)', () => {
    const inContainer = ['--in-container', '--runtime', 'runc', '--runtime', 'crun'];

    // Over the file bridge, as a remote engine would have it: its sftp-server and mounts must go too.
    it('after a completed run, the run dir over the file bridge', async (ctx) => {
      const problem = await containerTestSkipReason(inject('rtconformPlan').containers);
      if (problem) return ctx.skip(problem);
      const runId = `lc${randomBytes(2).toString('hex')}`;
      // runc alone: crun's leftovers in a target are checked by the interrupted run below.
      const result = await (await startRun(runId, ['--in-container', '--runtime', 'runc', '--file-sharing', 'bridge'], 'lifecycle/start')).ended();
      // runc passes every requirement of lifecycle/start: a red run here is a harness problem.
      expect(result.exitCode, result.all).toBe(0);
      expect(result.all).toMatch(/run dir over the file bridge/);
      expect(await leftovers(runId)).toEqual([]);
    }, 180_000);

    it('after a run interrupted with SIGINT while runtime containers exist in the targets', async (ctx) => {
      const problem = await containerTestSkipReason(inject('rtconformPlan').containers);
      if (problem) return ctx.skip(problem);
      const runId = `ic${randomBytes(2).toString('hex')}`;
      const { child, ended } = await startRun(runId, inContainer, 'lifecycle');
      // A runtime container exists once its cgroup does (both runtimes make one per container).
      await waitFor(() => (cgroupsNamed(`rtc-${runId}-`).length > 0 ? true : undefined), {
        timeoutMs: 90_000, who: 'rtconform', description: 'the run to create a container in a target',
      });
      child.kill('SIGINT');
      const result = await ended();
      expect(result.exitCode, result.all).toBe(130);
      expect(await leftovers(runId)).toEqual([]);
    }, 180_000);
  });
});

import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { describe, expect, inject, it, type TestContext } from 'vitest';
import { loopbackEngine, type LoopbackEngine } from '../container/loopback-engine.js';
import { dockerHost, engineClient } from '../container/engine.js';
import { LABEL } from '../container/target-container.js';
import { cgroupsNamed } from '../harness/cgroup-sweep.js';
import { containerTestSkipReason } from '../harness/container-targets.js';
import { containerIdPrefix, removeAbandonedTargets } from '../harness/sweep.js';
import { packageRoot } from '../package-root.js';
import { sharesFor } from './fan-out.js';
import { readOwnReport } from './read-report.js';

/**
 * Fan-out over engines, for real: engine A is the self-test's engine; engine B is the same
 * engine behind a loopback TCP proxy (loopbackEngine), so it is remote to the run (its share
 * goes over the file bridge) and can be killed mid-run, as a remote engine that goes down.
 */
const CLI = (): string => join(packageRoot(), 'dist/cli/main.js');


describe('rtconform run --engine: one run over several engines', () => {
  it('cuts a run into shares so that every engine gets one', () => {
    expect(sharesFor(['runc', 'crun'], 2)).toEqual([{ runtime: 'runc' }, { runtime: 'crun' }]);
    expect(sharesFor(['runc'], 3)).toEqual([1, 2, 3].map((index) => ({ runtime: 'runc', shard: { index, count: 3 } })));
    expect(sharesFor(['runc', 'crun'], 1)).toEqual([{ runtime: 'runc' }, { runtime: 'crun' }]);
  });

  const run = async (engines: string[], runtimes: string[], whileRunning?: (outDir: string) => Promise<void>) => {
    const out = await dir({ prefix: 'rtconform-fanout-out-', unsafeCleanup: true });
    const child = execa('node', [CLI(), 'run', '--in-container', ...engines.flatMap((e) => ['--engine', e]), ...runtimes.flatMap((r) => ['--runtime', r]), '--suite', 'state', '--out', out.path], { reject: false, all: true });
    await whileRunning?.(out.path);
    const ended = await child;
    const report = await readOwnReport(join(out.path, 'compliance.json'));
    await out.cleanup();
    return { exitCode: ended.exitCode, all: ended.all ?? '', report };
  };

  /**
   * Kills the proxy mid-share: once a share's partial report holds a result (its target up, tests
   * going; the state suite takes 6 s or more). A fixed wait after the target was asked for was
   * too short on a loaded machine: the share had no result yet, so the run had nothing to report.
   */
  const killWhenBusy = (proxy: LoopbackEngine) => async (outDir: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    // A share's partial report is caught mid-write at times: readOwnReport reads it as none yet.
    const judged = async (): Promise<boolean> => {
      const shares = await readdir(join(outDir, 'engines')).catch(() => []);
      const partials = await Promise.all(shares.map((share) => readOwnReport(join(outDir, 'engines', share, 'compliance.json'))));
      return partials.some((partial) => partial?.runs.some((r) => r.results.length > 0));
    };
    while (!(proxy.createdContainer() && await judged()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await proxy.kill();
  };

  /**
   * What the next run does with a dead engine's target container, whose run could not remove it:
   * removes it, and the cgroups its runtime made on the host, so that none of that run is left.
   */
  const removeAbandoned = async (): Promise<void> => {
    for (const { runId } of await removeAbandonedTargets()) expect(cgroupsNamed(containerIdPrefix(runId)), `cgroups of run ${runId}`).toEqual([]);
  };

  /** The self-test's engine (A), and the same engine behind a loopback proxy (B, to be killed); skips where there is none. */
  const engines = async (ctx: TestContext): Promise<{ local: string; dying: LoopbackEngine }> => {
    const problem = await containerTestSkipReason(inject('rtconformPlan').containers);
    if (problem) ctx.skip(problem);
    const local = dockerHost();
    if (!local.startsWith('unix://')) ctx.skip(`the test proxies a local engine, and DOCKER_HOST is ${local}`);
    return { local, dying: await loopbackEngine(local.slice('unix://'.length)) };
  };

  it('runs runc and crun on two engines at once into one report; the share of an engine that dies runs again on the other', async (ctx) => {
    const { local, dying } = await engines(ctx);
    // A and B each take a share at once (which one is a race); B dies in its share; A runs it again.
    const result = await run([dying.url, local], ['runc', 'crun'], killWhenBusy(dying));
    const escaped = (url: string): string => url.replace(/[/.]/g, '\\$&');
    const lost = new RegExp(`engine ${escaped(dying.url)}: (runc|crun)\n`).exec(result.all)?.[1];
    expect(lost, `the share engine B took (${result.all})`).toBeDefined();
    const other = lost === 'runc' ? 'crun' : 'runc';
    expect(result.all).toMatch(new RegExp(`engine ${escaped(local)}: ${other}\n`));
    expect(result.all).toMatch(new RegExp(`engine ${escaped(dying.url)}: ${lost} failed after [\\d.]+ s: the engine stopped answering`));
    expect(result.all).toMatch(new RegExp(`engine ${escaped(local)}: ${lost}, again \\(it failed on ${escaped(dying.url)}\\)`));
    expect(result.exitCode, result.all).toBe(0);
    expect(result.report?.runs.map((r) => r.runtime.key).sort(), 'runtimes in the merged report').toEqual(['crun@container', 'runc@container']);
    expect(result.report?.interrupted).toBe(false);
    // The dead engine's target container outlives its run; the next run removes it (its owner is gone).
    await removeAbandoned();
  }, 240_000);

  it('a share that no engine could finish is named in the report as not run', async (ctx) => {
    const { dying } = await engines(ctx);
    const unreachable = `tcp://127.0.0.1:1`;
    // Two shares (runc, crun): the dying engine takes the first, the unreachable one none.
    const result = await run([dying.url, unreachable], ['runc', 'crun'], killWhenBusy(dying));
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toMatch(new RegExp(`engine ${unreachable} takes no work`));
    expect(result.report?.interrupted, 'the report is marked partial').toBe(true);
    expect(result.report?.note).toMatch(/^not run: runc \(on tcp:\/\/127\.0\.0\.1:\d+: the engine stopped answering .*\); crun \(no engine took it\)$/);
    await removeAbandoned();
  }, 240_000);

  it('Ctrl-C stops every share, runs nothing again elsewhere, exits 130 and leaves no target container', async (ctx) => {
    const { local, dying: watched } = await engines(ctx);
    // Its shares' runs are <id>s<N>: their target containers carry that run label.
    const runId = `cc${randomBytes(3).toString('hex')}`;
    const out = await dir({ prefix: 'rtconform-fanout-out-', unsafeCleanup: true });
    try {
      // One runtime over two engines: two shards at once. Through the proxy only to see when a
      // share has made its target; it is not killed.
      const child = execa('node', [CLI(), 'run', '--in-container', '--engine', watched.url, '--engine', local, '--runtime', 'runc', '--suite', 'state', '--run-id', runId, '--out', out.path], { reject: false, all: true });
      const deadline = Date.now() + 60_000;
      while (!watched.createdContainer() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      // To rtconform alone, as a CI runner cancelling a job does: it must pass it on to its shares.
      child.kill('SIGINT');
      const ended = await child;
      expect(ended.exitCode, ended.all).toBe(130);
      expect(ended.all).toMatch(/interrupted; stopping every share/);
      expect(ended.all, 'a share run again after the interrupt').not.toMatch(/again \(it failed on/);
      const docker = (await engineClient()).container.dockerode;
      expect(ended.all).toMatch(new RegExp(`\\(run ${runId}; each share's run is ${runId}s<N>\\)`));
      const targets = await docker.listContainers({ all: true, filters: { label: [`${LABEL.role}=target`] } });
      const ours = targets.filter((t) => t.Labels[LABEL.run]?.startsWith(`${runId}s`));
      expect(ours.map((t) => `${t.Id.slice(0, 12)} (${t.State})`), 'target containers the interrupted shares left').toEqual([]);
    } finally {
      await watched.kill();
      await out.cleanup();
    }
  }, 120_000);

  it('refuses --engine without --in-container, and with --shard', async () => {
    const without = await execa('node', [CLI(), 'run', '--engine', 'tcp://127.0.0.1:1'], { reject: false, all: true });
    expect(without.exitCode).toBe(2);
    expect(without.all).toMatch(/--engine apply to container targets: add --in-container/);
    const out = await dir({ prefix: 'rtconform-fanout-out-', unsafeCleanup: true });
    const sharded = await execa('node', [CLI(), 'run', '--in-container', '--engine', 'tcp://127.0.0.1:1', '--shard', '1/2', '--out', join(out.path, randomBytes(3).toString('hex'))], { reject: false, all: true });
    await out.cleanup();
    expect(sharded.all).toMatch(/--engine cuts the run into shares itself: drop --shard/);
    const long = await execa('node', [CLI(), 'run', '--in-container', '--engine', 'tcp://127.0.0.1:1', '--run-id', 'abcdefghijklm'], { reject: false, all: true });
    expect(long.exitCode).toBe(2);
    expect(long.all).toMatch(/--run-id of a run over several engines names its shares <id>s<N>: give 1 to 12 .* got "abcdefghijklm"/);
  });
});

/**
 * What running the runtimes in a target container costs on this machine, in ms (median and p90
 * over BENCH_ROUNDS rounds, default 20, after one warm-up round): starting and stopping a target
 * container, one `state` call and one create+start+delete through the adapter for runc on the
 * host vs runc and crun in their containers, and the engine's exec floor (`/bin/true`).
 * Needs root, the Docker engine and the default image (`rtconform image build`).
 * Usage: npm run build && npm run bench:container
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { availableParallelism, cpus, release } from 'node:os';
import { dir } from 'tmp-promise';
import { pingEngine } from '../src/container/engine.js';
import { defaultImageName, imageExists } from '../src/container/runtimes-image.js';
import {
  LABEL, removeContainers, startTargetContainer, type Privilege, type TargetContainer, type TargetContainerOptions,
} from '../src/container/target-container.js';
import { BundleBuilder, writeConfig } from '../src/bundle/bundle-builder.js';
import { sweepCgroups } from '../src/harness/cgroup-sweep.js';
import { buildBusyboxRootfs } from '../src/bundle/rootfs.js';
import type { CliRuntime } from '../src/runtime/cli-runtime.js';
import { commandPath, HostProcessRunner, type ProcessRunner } from '../src/runtime/process-runner.js';
import { builtinDeclaration } from '../src/runtime/declaration.js';
import { openRuntime, resolveRuntime } from '../src/runtime/resolve.js';
import { cgroupLayout } from '../src/util/cgroup-layout.js';

const ROUNDS = rounds(process.env.BENCH_ROUNDS);
const CALL_TIMEOUT_MS = 30_000;
/** Every runtime container id starts with it, so a sweep finds their cgroups whatever happened. */
const ID_PREFIX = `rtcbench-${process.pid}-`;
const RUN_ID = `bench-${process.pid}-${randomBytes(3).toString('hex')}`;

function rounds(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 20;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`BENCH_ROUNDS=${raw}: want a positive integer`);
    process.exit(2);
  }
  return n;
}

// ---- interruption and cleanup ------------------------------------------------------------------

class Interrupted extends Error {
  override name = 'Interrupted';
}

let interruptedBy: NodeJS.Signals | undefined;
/** Called between steps: after Ctrl-C the main flow stops at the next one and cleans up in its finally. */
function checkpoint(): void {
  if (interruptedBy) throw new Interrupted(`interrupted by ${interruptedBy}`);
}

const targets: TargetContainer[] = [];
const liveContainers = new Map<string, CliRuntime>();
let workDir: { path: string; cleanup: () => Promise<void> } | undefined;
let cleaning: Promise<string[]> | undefined;

/** Idempotent: deletes runtime containers, removes target containers, cgroups and the temp dir. Returns what went wrong. */
function cleanup(): Promise<string[]> {
  cleaning ??= (async () => {
    const problems: string[] = [];
    const attempt = async (what: string, step: () => Promise<unknown>): Promise<void> => {
      await step().catch((error: unknown) => problems.push(`${what}: ${(error as Error).message}`));
    };
    // Runtime containers first, while their target containers still run.
    for (const [id, runtime] of liveContainers) await attempt(`delete ${id} (${runtime.name}, ${runtime.target.kind})`, () => runtime.delete(id, { force: true }));
    for (const target of targets) await attempt(`remove target container ${target.id.slice(0, 12)}`, () => target.stop());
    // Also any whose start was cut short (they carry the run label).
    await attempt('remove target containers', () => removeContainers({ [LABEL.run]: RUN_ID }));
    await attempt('sweep cgroups', async () => sweepCgroups(ID_PREFIX, targets.map((t) => t.id)));
    if (workDir) await attempt(`remove ${workDir.path}`, workDir.cleanup);
    return problems;
  })();
  return cleaning;
}

function onSignal(signal: NodeJS.Signals): void {
  const code = signal === 'SIGINT' ? 130 : 143;
  if (interruptedBy === undefined) {
    interruptedBy = signal;
    console.error(`\n${signal}: stopping after the current step, then cleaning up (again to clean up at once)`);
    // A step is bounded by the call timeouts; do not wait longer than that for it.
    setTimeout(() => void cleanup().then(() => process.exit(code)), CALL_TIMEOUT_MS + 5000).unref();
    return;
  }
  console.error(`${signal} again: cleaning up now`);
  void cleanup().then(() => process.exit(code));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// ---- measuring -----------------------------------------------------------------------------------

interface Row {
  what: string;
  where: string;
  samples: number[];
}
const table: Row[] = [];

/** One warm-up round, then ROUNDS timed ones; `round` gets the round's index (-1: warm-up). */
async function measure(what: string, where: string, round: (i: number) => Promise<void>): Promise<void> {
  const samples: number[] = [];
  for (let i = -1; i < ROUNDS; i++) {
    checkpoint();
    const t0 = performance.now();
    await round(i);
    if (i >= 0) samples.push(performance.now() - t0);
  }
  table.push({ what, where, samples });
}

/** Like measure, for an operation whose undo (untimed here) must run before the next round. */
async function measurePair(
  first: { what: string; run: () => Promise<void> },
  second: { what: string; run: () => Promise<void> },
  where: string,
): Promise<void> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = -1; i < ROUNDS; i++) {
    checkpoint();
    const t0 = performance.now();
    await first.run();
    const t1 = performance.now();
    await second.run();
    const t2 = performance.now();
    if (i >= 0) {
      a.push(t1 - t0);
      b.push(t2 - t1);
    }
  }
  table.push({ what: first.what, where, samples: a }, { what: second.what, where, samples: b });
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest rank. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function printTable(): void {
  const rows = table.map((r) => {
    const sorted = [...r.samples].sort((x, y) => x - y);
    return [r.what, r.where, median(sorted).toFixed(1), percentile(sorted, 90).toFixed(1)];
  });
  const header = ['measurement', 'where', 'median ms', 'p90 ms'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

// ---- the benchmark -------------------------------------------------------------------------------

interface BenchTarget {
  where: string;
  runtime: CliRuntime;
  runner: ProcessRunner;
}

let seq = 0;
const nextId = (what: string): string => `${ID_PREFIX}${what}-${++seq}`;

async function createSleeper(runtime: CliRuntime, bundle: string, what: string): Promise<string> {
  const id = nextId(what);
  liveContainers.set(id, runtime);
  await runtime.create(id, { bundle });
  return id;
}

async function deleteContainer(runtime: CliRuntime, id: string): Promise<void> {
  await runtime.delete(id, { force: true });
  liveContainers.delete(id);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (runc on the host, and the runtimes in the target containers)');
  const ping = await pingEngine();
  if (!ping.reachable) throw new Error(ping.reason);
  const image = defaultImageName();
  if (!(await imageExists(image))) throw new Error(`image ${image} is not in the engine: build it with \`rtconform image build\``);
  const hostRunc = resolveRuntime('runc');
  const hybrid = cgroupLayout() === 'hybrid';

  workDir = await dir({ prefix: 'rtconform-bench-', unsafeCleanup: true });
  const work = workDir.path;
  const bundle = join(work, 'bundle');
  await writeConfig(bundle, new BundleBuilder().args('sleep', '600').build());
  await buildBusyboxRootfs(join(bundle, 'rootfs'));

  const optionsFor = (runtime: 'runc' | 'crun', privilege: Privilege | undefined): TargetContainerOptions => ({
    image, cgroupView: 'host', runId: RUN_ID, shared: [work], privilege,
    hideUnifiedCgroup: hybrid && builtinDeclaration(runtime).profile.refusesHybridCgroups,
  });

  // Target container start and stop, with the options each runtime's container gets.
  let privilege: Privilege | undefined;
  for (const name of ['runc', 'crun'] as const) {
    const options = optionsFor(name, privilege);
    let started: TargetContainer | undefined;
    await measurePair(
      {
        what: 'target container start',
        run: async () => {
          started = await startTargetContainer(options);
          targets.push(started);
          privilege ??= started.privilege;
          options.privilege = privilege;
        },
      },
      {
        what: 'target container stop',
        run: async () => {
          await started!.stop();
          targets.splice(targets.indexOf(started!), 1);
        },
      },
      `for ${name}: ${options.hideUnifiedCgroup ? 'host cgroups, v2 hidden' : 'host cgroups'}`,
    );
  }

  // The targets: runc on the host, runc and crun each in its own container.
  const hostRunner = new HostProcessRunner();
  const all: BenchTarget[] = [{
    where: 'runc, host',
    runner: hostRunner,
    runtime: openRuntime(hostRunc, { workDir: join(work, 'adapter-host'), callTimeoutMs: CALL_TIMEOUT_MS }),
  }];
  for (const name of ['runc', 'crun'] as const) {
    checkpoint();
    const container = await startTargetContainer(optionsFor(name, privilege));
    targets.push(container);
    const short = container.id.slice(0, 12);
    const runner = await container.runner(join(work, `calls-${short}`));
    const binary = await commandPath(runner, builtinDeclaration(name).profile.binary);
    if (binary === undefined) throw new Error(`${name} is not in image ${image}`);
    const runtime = openRuntime({ profile: builtinDeclaration(name).profile, binary }, { workDir: join(work, `adapter-${short}`), runner, callTimeoutMs: CALL_TIMEOUT_MS });
    all.push({ where: `${name}, container`, runner, runtime });
  }

  const versions = await Promise.all(all.map(async (t) => `${t.where.replace(', ', ' ')} ${(await t.runtime.version()).version ?? '?'}`));
  const cpu = cpus()[0]?.model.trim() ?? '?';
  console.log(
    `${availableParallelism()} cores (${cpu}), Linux ${release()}, ${cgroupLayout()} cgroups; docker ${ping.version}; ` +
      `${versions.join(', ')}; image ${image}; ${ROUNDS} rounds after 1 warm-up`,
  );

  // The engine's exec floor: the cheapest command, as a runner runs it.
  const containerRunner = all[1]!.runner;
  const trueOnce = (runner: ProcessRunner) => async (): Promise<void> => {
    const result = await runner.run('/bin/true', [], { timeoutMs: CALL_TIMEOUT_MS });
    if (result.exitCode !== 0) throw new Error(`/bin/true on ${runner.target.description}: exit ${result.exitCode}, ${result.stderr.trim()}`);
  };
  await measure('/bin/true (runner floor)', 'host spawn', trueOnce(hostRunner));
  await measure('/bin/true (runner floor)', 'engine exec (runc container)', trueOnce(containerRunner));

  // One `state` on a created container.
  for (const t of all) {
    checkpoint();
    const id = await createSleeper(t.runtime, bundle, 'state');
    await measure('state (adapter)', t.where, async () => {
      const state = await t.runtime.state(id);
      if (state.status !== 'created') throw new Error(`${t.where}: ${id} is ${state.status}, expected created`);
    });
    await deleteContainer(t.runtime, id);
  }

  // One lifecycle: create (and wait for created), start, delete --force.
  for (const t of all) {
    await measure('create+start+delete (adapter)', t.where, async () => {
      const id = await createSleeper(t.runtime, bundle, 'life');
      await t.runtime.start(id);
      await deleteContainer(t.runtime, id);
    });
  }
}

let failure: unknown;
try {
  await main();
} catch (error) {
  failure = error;
} finally {
  const problems = await cleanup();
  for (const p of problems) console.error(`cleanup: ${p}`);
  if (problems.length > 0) process.exitCode = 1;
}
if (interruptedBy) {
  process.exit(interruptedBy === 'SIGINT' ? 130 : 143);
} else if (failure !== undefined) {
  console.error(`bench failed: ${(failure as Error).stack ?? String(failure)}`);
  process.exit(1);
}
printTable();
// dockerode keeps its socket agent alive; nothing else is pending.
process.exit(process.exitCode ?? 0);

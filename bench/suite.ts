/**
 * Where a conformance run's time goes: runs every suite per target, as `rtconform run` does, and
 * prints wall time, CPU seconds split into the runtime's own processes and rtconform's (node,
 * vitest, probe), the time per test file and per test, and the 10 slowest tests with their share.
 *
 *   npm run bench:suite                       # every target that can run here
 *   npm run bench:suite -- fake runc          # some of them: fake, runc (host), container (runc+crun)
 *   npm run bench:suite -- --json out.json    # also write the figures
 *
 * CPU is what the machine spent: user+sys of every process of the run that was waited for (the
 * CLI, vitest, its workers, each runtime call), read from /proc/self/stat. The runtime's share is
 * measured by calling it through a small bash wrapper that records the CPU of each call (bash's
 * `times`); the wrapper's own cost is shown apart. A container target's runtime runs inside the
 * engine's containers, outside this process tree: its CPU is not in these figures.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { firstLine } from '../src/util/text.js';
import { dir } from 'tmp-promise';
import { pingEngine } from '../src/container/engine.js';
import { defaultImageName, imageExists } from '../src/container/runtimes-image.js';
import { packageRoot } from '../src/package-root.js';
import { ComplianceReportSchema, type ComplianceReport } from '../src/report/compliance.js';
import { builtinDeclaration, type BuiltinRuntime } from '../src/runtime/declaration.js';
import { resolveRuntime } from '../src/runtime/resolve.js';
import { isRoot } from '../src/util/is-root.js';

const CLOCK_TICKS = 100;
const TARGETS = ['fake', 'runc', 'container'] as const;
type TargetName = (typeof TARGETS)[number];

interface Figures {
  target: string;
  wallS: number;
  cpuS: number;
  /** Every process on the machine, the engine's too (/proc/stat): meaningful on an otherwise idle machine. */
  machineCpuS: number;
  runtimeCpuS: number | undefined;
  wrapperCpuS: number | undefined;
  runtimeCalls: number | undefined;
  exitCode: number | undefined;
  /** What failed or errored, so that figures of a red run say why it was red. */
  failing: string[];
  requirements: number;
  tests: number;
  byFile: { file: string; tests: number; seconds: number }[];
  slowest: { test: string; file: string; seconds: number; share: number }[];
}

/** user+sys of this process's waited-for descendants, in seconds (/proc/self/stat cutime, cstime). */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

/** CPU seconds the whole machine has spent busy since boot (/proc/stat: all but idle and iowait). */
function machineCpuSeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = ticks.map(Number);
  return (n.reduce((a, b) => a + b, 0) - (n[3] ?? 0) - (n[4] ?? 0)) / CLOCK_TICKS;
}

/**
 * A declaration of the built-in runtime `name` whose binary is a bash wrapper around the real one,
 * recording per call the wrapper's own CPU and the runtime's (bash `times`: shell, then children).
 */
async function wrappedDeclaration(name: BuiltinRuntime, work: string): Promise<{ file: string; log: string }> {
  const declaration = builtinDeclaration(name);
  const real = resolveRuntime(name).binary;
  const log = join(work, `${name}-cpu.log`);
  const wrapper = join(work, `${name}-wrapper`);
  await writeFile(wrapper, `#!/bin/bash\n${JSON.stringify(real)} "$@"\nrc=$?\ntimes >> ${JSON.stringify(log)}\nexit $rc\n`);
  await chmod(wrapper, 0o755);
  const file = join(work, `${name}.json`);
  await writeFile(file, JSON.stringify({
    name, like: name, binary: wrapper,
    ...(declaration.specVersion === undefined ? {} : { specVersion: declaration.specVersion }),
    expectedFailures: declaration.expectedFailures,
  }));
  return { file, log };
}

/** Sums the wrapper log: each call wrote two lines, "0m0.001s 0m0.000s" for the shell, then for the runtime. */
async function wrapperLog(log: string): Promise<{ calls: number; runtime: number; wrapper: number }> {
  const text = await readFile(log, 'utf8').catch(() => '');
  const seconds = (s: string): number => {
    const m = /^(\d+)m([\d.]+)s$/.exec(s);
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  };
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let runtime = 0;
  let wrapper = 0;
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [wu, ws] = lines[i]!.trim().split(/\s+/);
    const [ru, rs] = lines[i + 1]!.trim().split(/\s+/);
    wrapper += seconds(wu ?? '') + seconds(ws ?? '');
    runtime += seconds(ru ?? '') + seconds(rs ?? '');
  }
  return { calls: Math.floor(lines.length / 2), runtime, wrapper };
}

function distribution(report: ComplianceReport): Pick<Figures, 'byFile' | 'slowest' | 'tests' | 'requirements'> {
  const tests = report.runs.flatMap((run) => run.results.flatMap((r) => r.tests.map((t) => ({ ...t, runtime: run.runtime.key }))));
  const total = tests.reduce((n, t) => n + t.durationMs, 0) || 1;
  const files = new Map<string, { tests: number; ms: number }>();
  for (const t of tests) {
    const f = files.get(t.file ?? '?') ?? { tests: 0, ms: 0 };
    files.set(t.file ?? '?', { tests: f.tests + 1, ms: f.ms + t.durationMs });
  }
  return {
    requirements: report.runs.reduce((n, r) => n + r.results.length, 0),
    tests: tests.length,
    byFile: [...files].map(([file, f]) => ({ file, tests: f.tests, seconds: f.ms / 1000 })).sort((a, b) => b.seconds - a.seconds),
    slowest: [...tests].sort((a, b) => b.durationMs - a.durationMs).slice(0, 10)
      .map((t) => ({ test: `${t.runtime} › ${t.name}`, file: t.file ?? '?', seconds: t.durationMs / 1000, share: t.durationMs / total })),
  };
}

async function measure(target: TargetName, work: string): Promise<Figures | string> {
  let args: string[];
  let log: string | undefined;
  if (target === 'container') {
    const ping = await pingEngine();
    if (!ping.reachable) return `no Docker engine (${ping.reason})`;
    if (!(await imageExists(defaultImageName()))) return `image ${defaultImageName()} not built (rtconform image build)`;
    args = ['--in-container', '--runtime', 'runc', '--runtime', 'crun'];
  } else {
    if (target === 'runc' && !isRoot()) return 'runc needs root';
    try {
      const wrapped = await wrappedDeclaration(target, work);
      args = ['--runtime', wrapped.file];
      log = wrapped.log;
    } catch (error) {
      return (error as Error).message;
    }
  }
  const out = join(work, `out-${target}`);
  const cpuBefore = childrenCpuSeconds();
  const machineBefore = machineCpuSeconds();
  const started = performance.now();
  const result = await execa('node', [join(packageRoot(), 'dist/cli/main.js'), 'run', ...args, '--out', out], { reject: false, all: true });
  const wallS = (performance.now() - started) / 1000;
  const cpuS = childrenCpuSeconds() - cpuBefore;
  const machineCpuS = machineCpuSeconds() - machineBefore;
  let report: ComplianceReport;
  try {
    report = ComplianceReportSchema.parse(JSON.parse(await readFile(join(out, 'compliance.json'), 'utf8')));
  } catch {
    return `the run left no report (exit ${result.exitCode}):\n${String(result.all).slice(-2000)}`;
  }
  const calls = log === undefined ? undefined : await wrapperLog(log);
  return {
    target: target === 'container' ? 'runc+crun in containers' : `${target} on the host`,
    wallS, cpuS, machineCpuS, runtimeCpuS: calls?.runtime, wrapperCpuS: calls?.wrapper, runtimeCalls: calls?.calls, exitCode: result.exitCode,
    failing: report.runs.flatMap((run) => run.results.filter((r) => r.status === 'fail' || r.status === 'error')
      .map((r) => `${run.runtime.key} ${r.requirement} (${r.status}${r.verdict === 'expected-fail' ? ', expected' : ''}): ${firstLine(r.reason ?? '')}`)),
    ...distribution(report),
  };
}

function print(f: Figures): void {
  const s = (n: number): string => n.toFixed(1);
  console.log(`\n${f.target}: ${s(f.wallS)} s wall, ${s(f.cpuS)} CPU-s of the run's processes, ${s(f.machineCpuS)} of the machine (exit ${f.exitCode}; ${f.requirements} requirements, ${f.tests} tests)`);
  if (f.runtimeCpuS !== undefined) {
    const ours = f.cpuS - f.runtimeCpuS - (f.wrapperCpuS ?? 0);
    console.log(`  CPU: runtime ${s(f.runtimeCpuS)} s in ${f.runtimeCalls} calls (${((f.runtimeCpuS * 1000) / Math.max(1, f.runtimeCalls ?? 1)).toFixed(1)} ms each), ` +
      `rtconform ${s(ours)} s, measuring wrapper ${s(f.wrapperCpuS ?? 0)} s`);
  } else {
    console.log(`  CPU: the runtimes run in the engine's containers; the engine and they spent about ${s(f.machineCpuS - f.cpuS)} s besides the run's own processes`);
  }
  const unexpected = f.failing.filter((line) => !line.includes(', expected)'));
  if (f.exitCode !== 0 && unexpected.length > 0) console.log(`  failing (why the exit code is ${f.exitCode}):\n${unexpected.map((line) => `    ${line}`).join('\n')}`);
  console.log('  test time per file (summed over tests, which run side by side):');
  for (const file of f.byFile) console.log(`    ${s(file.seconds).padStart(6)} s  ${String(file.tests).padStart(3)} tests  ${file.file}`);
  console.log('  10 slowest tests (share of all test time):');
  for (const t of f.slowest) console.log(`    ${s(t.seconds).padStart(6)} s  ${(t.share * 100).toFixed(1).padStart(4)} %  ${t.test}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const jsonAt = argv.indexOf('--json');
  const jsonFile = jsonAt === -1 ? undefined : argv[jsonAt + 1];
  const names = argv.filter((a, i) => a !== '--json' && (jsonAt === -1 || i !== jsonAt + 1));
  const unknown = names.filter((n) => !(TARGETS as readonly string[]).includes(n));
  if (unknown.length > 0 || (jsonAt !== -1 && jsonFile === undefined)) {
    throw new Error(`usage: npm run bench:suite -- [${TARGETS.join('|')} …] [--json FILE]; unknown: ${unknown.join(', ')}`);
  }
  const targets = (names.length > 0 ? names : TARGETS) as TargetName[];
  console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  const work = await dir({ prefix: 'rtconform-bench-suite-', unsafeCleanup: true });
  const all: Figures[] = [];
  try {
    for (const target of targets) {
      const figures = await measure(target, work.path);
      if (typeof figures === 'string') console.log(`\n${target}: skipped (${figures})`);
      else {
        print(figures);
        all.push(figures);
      }
    }
  } finally {
    await work.cleanup();
  }
  if (jsonFile) await writeFile(jsonFile, JSON.stringify(all, null, 2) + '\n');
}

await main();

/**
 * Runs the same conformance run several times and reports its wall time and whether every
 * requirement got the same verdict each time (a harness whose verdicts move is no gate).
 *
 *   npm run bench:stability                                   # runc on the host, 3 runs
 *   BENCH_RUNS=3 BENCH_ARGS="--in-container --runtime runc --runtime crun" npm run bench:stability
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { ComplianceReportSchema, type ComplianceReport } from '../src/report/compliance.js';
import { packageRoot } from '../src/package-root.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const args = (process.env.BENCH_ARGS ?? '--runtime runc').split(/\s+/).filter(Boolean);
if (!Number.isInteger(runs) || runs < 2) {
  process.stderr.write('BENCH_RUNS must be an integer of at least 2\n');
  process.exit(2);
}

/** Per runtime and requirement: the status, and why it failed or was skipped (what explains a move). */
type Verdicts = Map<string, { status: string; reason?: string }>;

function verdicts(report: ComplianceReport): Verdicts {
  const found: Verdicts = new Map();
  for (const run of report.runs) for (const r of run.results) found.set(`${run.runtime.key} ${r.requirement}`, { status: r.status, reason: r.reason });
  return found;
}

async function once(n: number): Promise<{ wallMs: number; verdicts: Verdicts; counts: string }> {
  const out = await dir({ prefix: 'rtconform-bench-stability-', unsafeCleanup: true });
  try {
    const started = performance.now();
    const result = await execa('node', [join(packageRoot(), 'dist/cli/main.js'), 'run', ...args, '--out', out.path], { reject: false, all: true });
    const wallMs = performance.now() - started;
    if (result.exitCode !== 0 && result.exitCode !== 1) throw new Error(`run ${n} exited ${result.exitCode}:\n${result.all?.slice(-3000)}`);
    const report = ComplianceReportSchema.parse(JSON.parse(await readFile(join(out.path, 'compliance.json'), 'utf8')));
    const counts = report.runs.map((r) => `${r.runtime.key} ${r.summary.pass}/${r.summary.fail}/${r.summary.skip}`).join(', ');
    return { wallMs, verdicts: verdicts(report), counts };
  } finally {
    await out.cleanup();
  }
}

const results = [];
for (let n = 1; n <= runs; n++) {
  const r = await once(n);
  results.push(r);
  process.stdout.write(`run ${n}: ${(r.wallMs / 1000).toFixed(1)} s  pass/fail/skip: ${r.counts}\n`);
}
const first = results[0]!.verdicts;
const moved: string[] = [];
for (const key of first.keys()) {
  const seen = results.map((r) => r.verdicts.get(key));
  const statuses = seen.map((v) => v?.status ?? 'absent');
  if (statuses.some((s) => s !== statuses[0])) {
    const why = seen.map((v, i) => (v?.reason ? `\n      run ${i + 1}: ${v.reason.split('\n').slice(0, 3).join(' ⏎ ')}` : '')).join('');
    moved.push(`${key}: ${statuses.join(' → ')}${why}`);
  }
}
for (const r of results.slice(1)) for (const key of r.verdicts.keys()) if (!first.has(key)) moved.push(`${key}: absent in run 1`);
const walls = results.map((r) => r.wallMs / 1000).sort((a, b) => a - b);
process.stdout.write(`rtconform run ${args.join(' ')}: ${runs} runs, wall median ${walls[Math.floor(walls.length / 2)]!.toFixed(1)} s (min ${walls[0]!.toFixed(1)}, max ${walls.at(-1)!.toFixed(1)})\n`);
process.stdout.write(moved.length === 0 ? `verdicts identical in every run (${first.size} requirement verdicts)\n` : `verdicts that moved:\n  ${moved.join('\n  ')}\n`);
process.exitCode = moved.length === 0 ? 0 : 1;

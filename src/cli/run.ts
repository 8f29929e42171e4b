import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { finalSweep } from '../fixtures/sweep.js';
import { readFile, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { RUNTIMES_ENV, isRoot, type RuntimeSelection } from '../fixtures/selection.js';
import { SELF_TEST_ENV } from '../requirements/known-deviations.js';
import { ComplianceReportSchema } from '../report/compliance.js';
import { CHILD_OPTIONS_ENV, type ChildOptions } from './child-options.js';
import { openRuntime, packageRoot, resolveRuntime } from '../runtime/resolve.js';
import type { RuntimeVersion } from '../runtime/runtime.js';
import { printSummary } from './summary.js';
import { HarnessError } from './harness-error.js';

export interface RunCommandOptions {
  runtimes: string[];
  suites: string[];
  outDir: string;
  callTimeoutMs: number | undefined;
}

export function availableSuites(): string[] {
  const dir = join(packageRoot(), 'suites');
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Checks everything a run needs before starting vitest, so bad input fails fast and clearly. */
async function preflight(options: RunCommandOptions): Promise<Map<string, RuntimeVersion>> {
  const known = availableSuites();
  for (const suite of options.suites) {
    if (!known.includes(suite)) throw new HarnessError(`unknown suite "${suite}"; available: ${known.join(', ')}`);
  }
  const versions = new Map<string, RuntimeVersion>();
  for (const key of options.runtimes) {
    const resolved = resolveRuntime(key);
    if (resolved.profile.needsRoot && !isRoot()) {
      throw new HarnessError(`${resolved.profile.name} needs root on this machine: run as root, or use --runtime fake`);
    }
    const runtime = openRuntime(resolved, { workDir: join(options.outDir, '.preflight'), callTimeoutMs: 10_000 });
    try {
      versions.set(key, await runtime.version());
    } catch (error) {
      throw new HarnessError(`${resolved.binary} --version failed, so it cannot be driven: ${(error as Error).message}`);
    }
  }
  return versions;
}

export async function runCommand(options: RunCommandOptions): Promise<number> {
  const outDir = resolve(options.outDir);
  const versions = await preflight({ ...options, outDir });
  process.env[RUNTIMES_ENV] = options.runtimes.join(',');
  const runId = process.env.RTCONFORM_RUN_ID ?? randomBytes(3).toString('hex');
  process.env.RTCONFORM_RUN_ID = runId;
  process.env[SELF_TEST_ENV] = '0';
  if (options.callTimeoutMs !== undefined) process.env.RTCONFORM_CALL_TIMEOUT_MS = String(options.callTimeoutMs);

  const selections: RuntimeSelection[] = options.runtimes.map((key) => {
    const { profile, binary } = resolveRuntime(key);
    return { key, name: profile.name, binary, available: true, unavailableReason: undefined, root: undefined, target: { kind: 'host', description: 'host' } };
  });
  const suites = options.suites.length > 0 ? options.suites : availableSuites();
  process.stderr.write(`rtconform: running ${suites.join(', ')} against ${options.runtimes.join(', ')} (run ${runId})\n`);
  const reportFile = join(outDir, 'compliance.json');
  await rm(reportFile, { force: true });

  const childOptions: ChildOptions = { suites, outDir, toolVersion: toolVersion(), selections, versions: [...versions] };
  const child = execa(process.execPath, [join(packageRoot(), 'dist/src/cli/vitest-child.js')], {
    stdio: 'inherit', reject: false, env: { [CHILD_OPTIONS_ENV]: JSON.stringify(childOptions) },
  });
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!interrupted) process.stderr.write('\nrtconform: interrupted; stopping the tests and removing what they created…\n');
    interrupted = true;
    // From a terminal the child got the signal too; from `kill` only we did.
    child.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await child;
  } finally {
    const removed = await finalSweep(selections, runId);
    if (removed.length > 0) process.stderr.write(`rtconform: removed what the run left behind: ${removed.join(', ')}\n`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const report = await readFile(reportFile, 'utf8').then((t) => ComplianceReportSchema.parse(JSON.parse(t)), () => undefined);
  if (interrupted) {
    if (report) printSummary(report, outDir);
    process.stderr.write('rtconform: the run was interrupted; nothing of it is left on this machine\n');
    return 130;
  }
  if (!report) throw new HarnessError('the run ended without results (see the errors above)');
  printSummary(report, outDir);
  return report.runs.some((r) => r.summary.mandatoryFailed > 0) ? 1 : 0;
}

export function toolVersion(): string {
  const pkg = join(packageRoot(), 'package.json');
  return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version : '0.0.0';
}

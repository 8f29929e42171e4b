import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startVitest, type Vitest } from 'vitest/node';
import { RUNTIMES_ENV, isRoot, type RuntimeSelection } from '../fixtures/selection.js';
import { SELF_TEST_ENV } from '../requirements/known-deviations.js';
import type { ComplianceReport } from '../report/compliance.js';
import { ComplianceReporter } from '../report/compliance-reporter.js';
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
  process.env[SELF_TEST_ENV] = '0';
  if (options.callTimeoutMs !== undefined) process.env.RTCONFORM_CALL_TIMEOUT_MS = String(options.callTimeoutMs);

  const selections: RuntimeSelection[] = options.runtimes.map((key) => {
    const { profile, binary } = resolveRuntime(key);
    return { key, name: profile.name, binary, available: true, unavailableReason: undefined, root: undefined, target: { kind: 'host', description: 'host' } };
  });
  let report: ComplianceReport | undefined;
  const reporter = new ComplianceReporter({
    outDir, toolVersion: toolVersion(), selections, versions, onReport: (r) => { report = r; },
  });
  const suites = options.suites.length > 0 ? options.suites : availableSuites();
  const root = packageRoot();
  process.stderr.write(`rtconform: running ${suites.join(', ')} against ${options.runtimes.join(', ')}\n`);

  let vitest: Vitest | undefined;
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\nrtconform: interrupted; stopping tests and removing containers…\n');
    void vitest?.cancelCurrentRun('keyboard-input');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    vitest = await startVitest('test', suites.map((s) => `suites/${s}/`), {
      root,
      config: join(root, 'vitest.config.ts'),
      watch: false,
      reporters: ['default', reporter],
      include: ['suites/**/*.test.ts'],
    });
  } finally {
    await vitest?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (!report) throw new HarnessError('the run ended without results (see the errors above)');
  printSummary(report, outDir);
  if (interrupted) return 130;
  return report.runs.some((r) => r.summary.mandatoryFailed > 0) ? 1 : 0;
}

export function toolVersion(): string {
  const pkg = join(packageRoot(), 'package.json');
  return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version : '0.0.0';
}

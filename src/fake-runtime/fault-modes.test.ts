import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema, type ComplianceReport } from '../report/compliance.js';
import { requirementById } from '../requirements/catalogue.js';
import { isMandatory } from '../requirements/requirement.js';
import { packageRoot } from '../package-root.js';
import { scanCoverage } from '../requirements/coverage.js';
import { FAULTS, type Fault } from './faults.js';

/**
 * Proof that the suites catch broken runtimes: each fault mode of the fake, turned on for a real
 * `rtconform run`, must fail the requirement it breaks, and the run must exit 1 when that is a MUST.
 */
const expectations: Record<Fault, string> = {
  'state-status-lies': 'create.status-created',
  'duplicate-create-accepted': 'create.duplicate-id',
  'kill-ignored': 'kill.delivers-signal',
  'delete-running-accepted': 'delete.not-stopped',
  'exec-exit-code-lost': 'cli.exec.exit-code',
  'exec-outlives-call': 'cli.exec.timeout',
  'start-twice-accepted': 'start.not-created',
  'bundle-path-relative': 'state.bundle-absolute',
  'process-runs-at-create': 'create.process-not-run',
  'annotations-dropped': 'state.annotations',
};

/** The suite files that test a requirement, as `--suite` names them (lifecycle/create): a run of those alone proves it. */
function suiteFilesOf(requirement: string): string[] {
  return (scanCoverage(packageRoot()).get(requirement) ?? []).map((f) => f.replace(/^suites\//, '').replace(/\.test\.ts$/, ''));
}

/** What a run printed, how it ended, and its report. */
interface FaultRun { all: string; exitCode: number | undefined; report: ComplianceReport }

/**
 * One `rtconform run` per set of suite files: the faults those files prove share it, each as a
 * runtime of its own (the fake behind a wrapper that turns its fault on), so a run's fixed cost
 * (vitest and its workers, ~2 CPU-s) is paid once per set, not per fault.
 */
const runs = new Map<string, Promise<FaultRun>>();
function runOf(fault: Fault): Promise<FaultRun> {
  const suites = suiteFilesOf(expectations[fault]);
  const key = suites.join(' ');
  let run = runs.get(key);
  if (run === undefined) {
    const mates = (Object.keys(expectations) as Fault[]).filter((f) => suiteFilesOf(expectations[f]).join(' ') === key);
    run = runFaults(mates, suites);
    runs.set(key, run);
  }
  return run;
}

async function runFaults(faults: Fault[], suites: string[]): Promise<FaultRun> {
  const work = await dir({ prefix: 'rtconform-fault-', unsafeCleanup: true });
  try {
    const fake = join(packageRoot(), 'dist/fake-runtime/rtconform-fake-runtime');
    const declarations = await Promise.all(faults.map(async (fault) => {
      const wrapper = join(work.path, fault);
      await writeFile(wrapper, `#!/bin/sh\nRTCONFORM_FAKE_FAULTS=${fault} exec ${fake} "$@"\n`, { mode: 0o755 });
      const declaration = join(work.path, `${fault}.json`);
      await writeFile(declaration, JSON.stringify({ name: `fake-${fault}`, like: 'fake', binary: wrapper }));
      return declaration;
    }));
    const out = join(work.path, 'out');
    const result = await execa('node', [join(packageRoot(), 'dist/cli/main.js'), 'run', ...declarations.flatMap((d) => ['--runtime-config', d]), ...suites.flatMap((s) => ['--suite', s]), '--out', out], {
      reject: false, cwd: packageRoot(), all: true,
    });
    const report = ComplianceReportSchema.parse(JSON.parse(await readFile(join(out, 'compliance.json'), 'utf8')));
    return { all: String(result.all), exitCode: result.exitCode, report };
  } finally {
    await work.cleanup();
  }
}

const mandatory = (requirement: string): boolean => isMandatory(requirementById(requirement).level);

// Concurrent: each run is a process tree of its own with its own report dir.
describe.concurrent('every fake runtime fault mode is caught by a suite', () => {
  it('has an expectation for each fault mode', () => {
    expect(Object.keys(expectations).sort()).toEqual(Object.keys(FAULTS).sort());
  });

  for (const [fault, requirement] of Object.entries(expectations) as [Fault, string][]) {
    it(`${fault} fails ${requirement}`, async () => {
      expect(suiteFilesOf(requirement).length, `a suite file tests ${requirement}`).toBeGreaterThan(0);
      const { all, exitCode, report } = await runOf(fault);
      const run = report.runs.find((r) => r.runtime.name === `fake-${fault}`);
      const verdict = run?.results.find((r) => r.requirement === requirement);
      expect(verdict?.status, all).toBe('fail');
      // This runtime fails a MUST exactly when its fault breaks one; the run exits 1 when any of its runtimes does.
      expect((run?.summary.mandatoryFailed ?? 0) > 0, `${fault} failed a MUST`).toBe(mandatory(requirement));
      expect(exitCode, all).toBe(report.runs.some((r) => r.summary.mandatoryFailed > 0) ? 1 : 0);
    }, 180_000);
  }
});

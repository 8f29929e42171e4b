import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema } from '../report/compliance.js';
import { packageRoot } from '../package-root.js';
import { scanCoverage } from '../requirements/coverage.js';
import { FAULTS, type Fault } from './faults.js';

/**
 * Proof that the suites catch broken runtimes: each fault mode of the fake, turned on for a real
 * `rtconform run`, must fail the requirement it breaks, and the run must exit 1.
 */
const expectations: Record<Fault, string> = {
  'state-status-lies': 'create.status-created',
  'duplicate-create-accepted': 'create.duplicate-id',
  'kill-ignored': 'kill.delivers-signal',
  'delete-running-accepted': 'delete.not-stopped',
  'exec-exit-code-lost': 'cli.exec.exit-code',
  'start-twice-accepted': 'start.not-created',
  'bundle-path-relative': 'state.bundle-absolute',
  'process-runs-at-create': 'create.process-not-run',
  'annotations-dropped': 'state.annotations',
};

/** The suite files that test a requirement, as `--suite` names them (lifecycle/create): a run of those alone proves it. */
function suiteFilesOf(requirement: string): string[] {
  return (scanCoverage(packageRoot()).get(requirement) ?? []).map((f) => f.replace(/^suites\//, '').replace(/\.test\.ts$/, ''));
}

// Concurrent: each run is a process tree of its own with its own report dir.
describe.concurrent('every fake runtime fault mode is caught by a suite', () => {
  it('has an expectation for each fault mode', () => {
    expect(Object.keys(expectations).sort()).toEqual(Object.keys(FAULTS).sort());
  });

  for (const [fault, requirement] of Object.entries(expectations)) {
    it(`${fault} fails ${requirement}`, async () => {
      const out = await dir({ prefix: 'rtconform-fault-', unsafeCleanup: true });
      try {
        const suites = suiteFilesOf(requirement);
        expect(suites.length, `a suite file tests ${requirement}`).toBeGreaterThan(0);
        const result = await execa('node', [join(packageRoot(), 'dist/src/cli/main.js'), 'run', '--runtime', 'fake', ...suites.flatMap((s) => ['--suite', s]), '--out', out.path], {
          reject: false, cwd: packageRoot(), env: { RTCONFORM_FAKE_FAULTS: fault }, all: true,
        });
        const report = ComplianceReportSchema.parse(JSON.parse(await readFile(join(out.path, 'compliance.json'), 'utf8')));
        const verdict = report.runs[0]?.results.find((r) => r.requirement === requirement);
        expect(verdict?.status, result.all).toBe('fail');
        expect(result.exitCode).toBe(verdict && ['MUST', 'MUST NOT'].includes(verdict.level) ? 1 : 0);
      } finally {
        await out.cleanup();
      }
    }, 180_000);
  }
});

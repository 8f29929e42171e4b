import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema } from '../report/compliance.js';
import { packageRoot } from '../package-root.js';
import { FAULTS, type Fault } from './faults.js';

/**
 * Proof that the suites catch broken runtimes: each fault mode of the fake, turned on for a real
 * `rtconform run`, must fail the requirement it breaks, and the run must exit 1.
 */
const expectations: Record<Fault, { suite: string; requirement: string }> = {
  'state-status-lies': { suite: 'lifecycle', requirement: 'create.status-created' },
  'duplicate-create-accepted': { suite: 'lifecycle', requirement: 'create.duplicate-id' },
  'kill-ignored': { suite: 'lifecycle', requirement: 'kill.delivers-signal' },
  'delete-running-accepted': { suite: 'lifecycle', requirement: 'delete.not-stopped' },
  'exec-exit-code-lost': { suite: 'operations', requirement: 'cli.exec.exit-code' },
  'start-twice-accepted': { suite: 'lifecycle', requirement: 'start.not-created' },
  'bundle-path-relative': { suite: 'state', requirement: 'state.bundle-absolute' },
  'process-runs-at-create': { suite: 'lifecycle', requirement: 'create.process-not-run' },
  'annotations-dropped': { suite: 'state', requirement: 'state.annotations' },
};

describe('every fake runtime fault mode is caught by a suite', () => {
  it('has an expectation for each fault mode', () => {
    expect(Object.keys(expectations).sort()).toEqual(Object.keys(FAULTS).sort());
  });

  for (const [fault, { suite, requirement }] of Object.entries(expectations)) {
    it(`${fault} fails ${requirement}`, async () => {
      const out = await dir({ prefix: 'rtconform-fault-', unsafeCleanup: true });
      try {
        const result = await execa('node', [join(packageRoot(), 'dist/src/cli/main.js'), 'run', '--runtime', 'fake', '--suite', suite, '--out', out.path], {
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

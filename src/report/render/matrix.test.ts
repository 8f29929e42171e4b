import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema, type ComplianceReport, type RuntimeRun } from '../compliance.js';
import { buildMatrix, rowStatuses, runLabel, runTitle } from './matrix.js';
import { compareAreas, SPEC_AREAS, specArea } from './spec-area.js';

const fixture = (name: string): ComplianceReport =>
  ComplianceReportSchema.parse(JSON.parse(readFileSync(new URL(`../testdata/${name}.json`, import.meta.url), 'utf8')));

describe('specArea', () => {
  it('names the spec document from the link, and the runc man pages as one area', () => {
    expect(specArea({ source: 'runtime-spec', link: 'https://github.com/opencontainers/runtime-spec/blob/v1.2.0/config-linux.md#namespaces' })).toBe('config-linux.md');
    expect(specArea({ source: 'runtime-spec', link: 'https://github.com/opencontainers/runtime-spec/blob/v1.2.0/runtime.md' })).toBe('runtime.md');
    expect(specArea({ source: 'runc-cli', link: 'https://github.com/opencontainers/runc/blob/v1.1.15/man/runc-exec.8.md' })).toBe('runc CLI');
    expect(specArea({ source: 'runtime-spec', link: 'somewhere else' })).toBe('runtime-spec');
  });

  it('orders areas as the catalogue does, unknown ones last', () => {
    expect(['runc CLI', 'zz', 'config.md', 'runtime.md'].sort(compareAreas)).toEqual(['runtime.md', 'config.md', 'runc CLI', 'zz']);
    expect([...SPEC_AREAS].sort(compareAreas)).toEqual([...SPEC_AREAS]);
  });
});

describe('buildMatrix', () => {
  const report = fixture('two-runtimes');
  const rows = buildMatrix(report);

  it('has one row per requirement any run has, grouped by area in catalogue order', () => {
    const ids = new Set(report.runs.flatMap((run) => run.results.map((r) => r.requirement)));
    expect(rows.map((r) => r.requirement).sort()).toEqual([...ids].sort());
    expect(rows.map((r) => r.requirement)).toEqual([
      'delete.id-reusable', 'delete.not-stopped', 'state.pid',
      'linux.fds.stdio-only',
      'config.domainname',
      'linux.namespaces.types-supported', 'linux.personality', 'linux.user-mappings.no-chown',
      'bundle.config-json',
      'features.version-range',
      'cli.exec.env',
    ]);
  });

  it('has a cell per run with that run\'s status, and "absent" where a run lacks the requirement', () => {
    for (const row of rows) {
      expect(row.cells.map((c) => c.run)).toEqual([0, 1]);
      report.runs.forEach((run, i) => {
        const result = run.results.find((r) => r.requirement === row.requirement);
        expect(row.cells[i]!.status, `${row.requirement} ${run.runtime.key}`).toBe(result?.status ?? 'absent');
        expect(row.cells[i]!.result).toBe(result);
      });
    }
    const statePid = rows.find((r) => r.requirement === 'state.pid')!;
    expect(statePid.cells.map((c) => c.status)).toEqual(['pass', 'absent']);
    expect([...rowStatuses(statePid)]).toEqual(['pass']);
  });

  it('titles a run with its key and target', () => {
    expect(runTitle(report.runs[1]!)).toBe('runc on host (cgroup v2, systemd driver)');
  });
});

describe('runLabel', () => {
  const run = (key: string, name: string, version: string | null, target: RuntimeRun['target']): Pick<RuntimeRun, 'runtime' | 'target'> =>
    ({ runtime: { key, name, path: null, version, spec: null }, target });

  it('names the runtime, its release and its image\'s release, so two images never read the same', () => {
    const container = (release?: string): RuntimeRun['target'] => ({ kind: 'container', description: 'x', image: 'i', ...(release ? { release } : {}) });
    expect(runLabel(run('runc@sid', 'runc', '1.3.6+ds1', container('sid')))).toBe('runc 1.3.6 · sid');
    expect(runLabel(run('runc@trixie', 'runc', '1.1.15+ds1', container('trixie')))).toBe('runc 1.1.15 · trixie');
    expect(runLabel(run('runc@container', 'runc', null, container()))).toBe('runc · container');
    expect(runLabel(run('runc', 'runc', '1.1.5+ds1', { kind: 'host', description: 'host' }))).toBe('runc 1.1.5 · host');
    expect(runLabel(run('/opt/dev/runc', 'runc', '1.4.0-rc.1', { kind: 'host', description: 'host' }))).toBe('runc 1.4.0-rc.1 · host (/opt/dev/runc)');
  });
});

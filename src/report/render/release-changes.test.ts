import { describe, expect, it } from 'vitest';
import type { ComplianceReport, RequirementResult, RuntimeRun, Verdict } from '../compliance.js';
import { describeChange, releaseChanges } from './release-changes.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

const result = (requirement: string, verdict: Verdict): RequirementResult => ({
  requirement, level: 'MUST', source: 'runtime-spec', statement: requirement, link: 'https://example.invalid', tests: [],
  status: verdict === 'expected-fail' ? 'fail' : verdict === 'unexpected-pass' ? 'pass' : verdict === 'pass' || verdict === 'fail' || verdict === 'skip' || verdict === 'error' ? verdict : 'skip',
  verdict,
});

const run = (name: string, version: string, release: string, verdicts: Record<string, Verdict>): RuntimeRun => ({
  runtime: { key: `${name}@${release}`, name, path: `/usr/sbin/${name}`, version, spec: '1.2.0' },
  target: { kind: 'container', description: `container of ${release}`, image: `rtconform-runtimes:${release}-0123456789ab`, release },
  summary: { pass: 0, fail: 0, skip: 0, error: 0, expectedFail: 0, unexpectedPass: 0, flaky: 0, unsupported: 0, outsideTarget: 0, mandatoryFailed: 0 },
  results: Object.entries(verdicts).map(([id, v]) => result(id, v)),
});

describe('releaseChanges', () => {
  // Listed newest first: the changes are worked out in version order all the same.
  const report: Pick<ComplianceReport, 'runs'> = {
    runs: [
      run('runc', '1.3.6+ds1', 'sid', { 'config.domainname': 'pass', 'cli.kill.all': 'fail', 'delete.not-stopped': 'expected-fail', 'linux.unified.values': 'skip' }),
      run('crun', '1.28', 'sid', { 'hooks.poststart.failure-continues': 'fail' }),
      run('runc', '1.1.15+ds1', 'trixie', { 'config.domainname': 'expected-fail', 'cli.kill.all': 'pass', 'delete.not-stopped': 'expected-fail', 'linux.unified.values': 'fail' }),
      run('crun', '1.21', 'trixie', { 'hooks.poststart.failure-continues': 'pass' }),
    ],
  };

  it('names what a later release fixed and what it broke, per runtime, and leaves out skips and unchanged verdicts', () => {
    const changes = releaseChanges(report);
    expect(changes.map((c) => [c.runtime, c.requirement, c.kind, c.from.label, c.to.label])).toEqual([
      ['runc', 'config.domainname', 'fixed', 'runc 1.1.15 · trixie', 'runc 1.3.6 · sid'],
      ['runc', 'cli.kill.all', 'broke', 'runc 1.1.15 · trixie', 'runc 1.3.6 · sid'],
      ['crun', 'hooks.poststart.failure-continues', 'broke', 'crun 1.21 · trixie', 'crun 1.28 · sid'],
    ]);
    expect(describeChange(changes[0]!)).toBe('fixed in runc 1.3.6 · sid (expected-fail in runc 1.1.15 · trixie)');
  });

  it('says "differs" where one release gives two verdicts in two images', () => {
    const same = { runs: [run('runc', '1.1.15', 'trixie', { x: 'pass' }), run('runc', '1.1.15', 'bookworm', { x: 'fail' })] };
    expect(releaseChanges(same).map((c) => c.kind)).toEqual(['differs']);
  });
});

describe('the reports of a release matrix', () => {
  const full = (runs: RuntimeRun[]): ComplianceReport => ({
    schemaVersion: 2, tool: { name: 'rtconform', version: 'test' }, startedAt: '2026-12-07T00:00:00Z', finishedAt: '2026-12-07T00:01:00Z', durationMs: 60_000, interrupted: false, runs,
  });
  const report = full([
    run('runc', '1.1.15+ds1', 'trixie', { 'config.domainname': 'expected-fail', 'cli.kill.all': 'pass' }),
    run('runc', '1.3.6+ds1', 'sid', { 'config.domainname': 'pass', 'cli.kill.all': 'fail' }),
  ]);

  it('list what each release changed, in Markdown and in HTML', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('### Changes between releases (2)');
    expect(markdown).toMatch(/config\.domainname.*\| runc \| ✅ fixed in runc 1\.3\.6 · sid \(expected-fail in runc 1\.1\.15 · trixie\)/);
    expect(markdown).toMatch(/cli\.kill\.all.*\| runc \| ❌ broke in runc 1\.3\.6 · sid \(pass in runc 1\.1\.15 · trixie\)/);
    const html = renderHtml(report);
    expect(html.match(/data-release-change="(\w+)" data-requirement="([\w.-]+)"/g)).toEqual([
      'data-release-change="fixed" data-requirement="config.domainname"', 'data-release-change="broke" data-requirement="cli.kill.all"',
    ]);
  });

  it('leave the section out where no runtime has two releases', () => {
    const one = full([run('runc', '1.3.6', 'sid', { x: 'fail' })]);
    expect(renderMarkdown(one)).not.toContain('Changes between releases');
    expect(renderHtml(one)).not.toContain('data-release-changes');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema, type ComplianceReport } from '../compliance.js';
import { renderMarkdown } from './markdown.js';

const fixture = (name: string): ComplianceReport =>
  ComplianceReportSchema.parse(JSON.parse(readFileSync(new URL(`../testdata/${name}.json`, import.meta.url), 'utf8')));

/** The cells of a GFM table line: split on pipes that are not backslash-escaped. */
function cells(line: string): string[] {
  return line.replace(/^\|\s?/, '').replace(/\s?\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());
}

/** The rows of the table that follows `heading` (header and delimiter rows left out). */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start, heading).toBeGreaterThan(-1);
  const first = lines.findIndex((l, i) => i > start && l.startsWith('|'));
  const table: string[] = [];
  for (let i = first; i < lines.length && lines[i]!.startsWith('|'); i++) table.push(lines[i]!);
  return table.map(cells);
}

describe('renderMarkdown', () => {
  const report = fixture('two-runtimes');
  const markdown = renderMarkdown(report);

  it('gives each runtime a score line: MUST and SHOULD met / tested, skips, MUST failures', () => {
    expect(markdown).toContain('- ❌ **fake** 0.1.0 on host: MUST 4 / 5 met · SHOULD 1 / 1 met · MAY 1 / 1 met · 3 skipped · **1 MUST failure**');
    expect(markdown).toContain('- ❌ **runc** 1.1.15+ds1 on host (cgroup v2, systemd driver): MUST 2 / 5 met · SHOULD 2 / 3 met · MAY 1 / 1 met · 1 skipped · **3 MUST failures**');
  });

  it('lists only the requirements that failed somewhere, with every runtime\'s status and each failure\'s first line', () => {
    const rows = tableAfter(markdown, '### Failures (5)');
    const [header, delimiter, ...body] = rows;
    expect(header).toEqual(['Requirement', 'Level', 'fake', 'runc']);
    expect(delimiter).toEqual(['---', '---', '---', '---']);
    // Every line has as many cells as the header: no pipe or newline in a reason broke a row.
    for (const row of body) expect(row).toHaveLength(4);
    expect(body.map((r) => r[0]!.match(/^\[([^\]]+)\]/)?.[1])).toEqual([
      'delete.not-stopped', 'linux.fds.stdio-only', 'config.domainname', 'linux.namespaces.types-supported', 'linux.personality',
    ]);
    const byId = new Map(body.map((r) => [r[0]!.match(/^\[([^\]]+)\]/)![1]!, r]));
    expect(byId.get('delete.not-stopped')!.slice(1)).toEqual([
      'MUST', '✅ pass',
      // The pipe, the <id> and the & stay text; the reason's second line (runc's log) is left out.
      '❌ fail: runc delete \\<id\\> exited 0: the runtime accepted the call; it should have refused it \\| state after: "stopped" \\& gone',
    ]);
    expect(byId.get('linux.fds.stdio-only')!.slice(1)).toEqual(['MUST', "❌ fail: expected \\[ '0', '1', '2', '5' \\] to deeply equal \\[ '0', '1', '2' \\]", '✅ pass']);
    expect(byId.get('config.domainname')![2]).toBe('⏭️ skip');
    expect(markdown).not.toContain('killing init');
    expect(markdown).not.toContain('<script>');
    expect(markdown).toContain('\\<script\\>');
    // The ESC of a colour code and a NUL show as text instead of travelling raw.
    for (const raw of ['\u0000', '\u001b']) expect(markdown).not.toContain(raw);
    expect(markdown).toContain('\\\\u001b\\[31mexpected');
  });

  it('links each requirement to its spec section', () => {
    expect(markdown).toContain('[linux.personality](https://github.com/opencontainers/runtime-spec/blob/v1.2.0/config-linux.md#personality): personality.domain LINUX32');
  });

  it('has every requirement × runtime in a collapsed <details>, with "not run" where a runtime lacks one', () => {
    const details = markdown.slice(markdown.indexOf('<details>'));
    expect(details).toMatch(/^<details>\n<summary>All 11 requirements<\/summary>\n\n\|/);
    expect(details.trimEnd()).toMatch(/\n\n<\/details>$/);
    const [header, , ...body] = tableAfter(details, '<summary>');
    expect(header).toEqual(['Requirement', 'Level', 'Spec', 'fake', 'runc']);
    expect(body).toHaveLength(11);
    const byId = new Map(body.map((r) => [r[0]!.match(/^\[([^\]]+)\]/)![1]!, r.slice(1)]));
    expect(byId.get('state.pid')).toEqual(['MUST', 'runtime.md', '✅ pass', '— not run']);
    expect(byId.get('linux.user-mappings.no-chown')).toEqual(['SHOULD NOT', 'config-linux.md', '— not run', '✅ pass']);
    expect(byId.get('cli.exec.env')).toEqual(['SHOULD', 'runc CLI', '✅ pass', '✅ pass']);
    expect(byId.get('features.version-range')).toEqual(['MUST', 'features.md', '✅ pass', '⏭️ skip']);
  });

  it('says when nothing failed, and when the run was interrupted', () => {
    const clean = renderMarkdown(fixture('fake-run'));
    expect(clean).toContain('- ✅ **fake** 0.1.0 on host: MUST 27 / 27 met · SHOULD 14 / 14 met · MAY 1 / 1 met · 0 skipped');
    expect(clean).toContain('No requirement failed.');
    expect(clean).not.toContain('### Failures');
    expect(clean).toContain('<summary>All 42 requirements</summary>');
    expect(clean).not.toContain('interrupted');
    expect(renderMarkdown({ ...report, interrupted: true })).toContain('> [!WARNING]\n> The run was interrupted: the results are partial.');
    expect(renderMarkdown({ ...report, runs: [] })).toContain('No runtime ran.');
  });

  it('cuts a very long first line of a reason', () => {
    const long = structuredClone(report);
    long.runs[1]!.results.find((r) => r.requirement === 'config.domainname')!.reason = 'x'.repeat(1000);
    const row = tableAfter(renderMarkdown(long), '### Failures').find((r) => r[0]!.startsWith('[config.domainname]'))!;
    expect(row[3]).toBe(`❌ fail: ${'x'.repeat(239)}…`);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema, type ComplianceReport } from '../compliance.js';
import { renderMarkdown } from './markdown.js';
import { declaredFailuresReport } from '../testdata/declared-failures.js';

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

  it('gives each runtime a score line: what it came to, MUST and SHOULD met / tested, skips', () => {
    expect(markdown).toContain('- ❌ **fake 0.1.0 · host** on host: **1 MUST requirement failed** · MUST 4 / 5 met · SHOULD 1 / 1 met · MAY 1 / 1 met · 3 skipped\n');
    expect(markdown).toContain('- ❌ **runc 1.1.15 · host** on host (cgroup v2, systemd driver): **3 MUST requirements failed; 1 SHOULD requirement failed** · MUST 2 / 5 met · SHOULD 2 / 3 met · MAY 1 / 1 met · 1 skipped\n');
  });

  it('lists only the requirements that failed somewhere, with every runtime\'s status and each failure\'s first line', () => {
    const rows = tableAfter(markdown, '### Failures (5)');
    const [header, delimiter, ...body] = rows;
    expect(header).toEqual(['Requirement', 'Level', 'fake 0.1.0 · host', 'runc 1.1.15 · host']);
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
    expect(header).toEqual(['Requirement', 'Level', 'Spec', 'fake 0.1.0 · host', 'runc 1.1.15 · host']);
    expect(body).toHaveLength(11);
    const byId = new Map(body.map((r) => [r[0]!.match(/^\[([^\]]+)\]/)![1]!, r.slice(1)]));
    expect(byId.get('state.pid')).toEqual(['MUST', 'runtime.md', '✅ pass', '— not run']);
    expect(byId.get('linux.user-mappings.no-chown')).toEqual(['SHOULD NOT', 'config-linux.md', '— not run', '✅ pass']);
    expect(byId.get('cli.exec.env')).toEqual(['SHOULD', 'runc CLI', '✅ pass', '✅ pass']);
    expect(byId.get('features.version-range')).toEqual(['MUST', 'features.md', '✅ pass', '⏭️ skip']);
  });

  it('says when nothing failed, and when the run was interrupted', () => {
    const clean = renderMarkdown(fixture('fake-run'));
    expect(clean).toContain('- ✅ **fake 0.1.0 · host** on host: **no requirement failed** · MUST 27 / 27 met · SHOULD 14 / 14 met · MAY 1 / 1 met · 0 skipped');
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

describe('renderMarkdown of runtimes with declared failures, judged against different releases', () => {
  const report = declaredFailuresReport();
  const markdown = renderMarkdown(report);

  it('says how many MUST requirements fail as declared, never "no requirement failed"', () => {
    expect(markdown).toContain('- ☑️ **old 1.0.0 · host** on host: **2 MUST requirements fail as declared; no other MUST requirement failed; '
      + '1 SHOULD requirement fails as declared; 1 requirement outside the judged spec release fails too, not counted** · MUST 1 / 3 met');
    expect(markdown).toContain('- ❌ **new 1.0.0 · host** on host: **1 MUST requirement failed** · ');
    expect(markdown).not.toMatch(/no requirement failed/i);
    // Alone, the runtime with only declared failures is still not said to have none.
    const alone = renderMarkdown({ ...report, runs: [report.runs[0]!] });
    expect(alone).not.toMatch(/no requirement failed/i);
    expect(alone).not.toContain('### Failures');
    expect(alone).toContain('Nothing failed that counts against a runtime');
  });

  it('lists the declared failures apart, each with the declaration\'s reason', () => {
    const [header, , ...body] = tableAfter(markdown, '### Failing as declared (3)');
    expect(header).toEqual(['Requirement', 'Level', 'old 1.0.0 · host', 'new 1.0.0 · host']);
    const byId = new Map(body.map((r) => [r[0]!.match(/^\[([^\]]+)\]/)![1]!, r.slice(1)]));
    expect([...byId.keys()]).toEqual(['state.annotations', 'state.id', 'state.pid']);
    expect(byId.get('state.pid')).toEqual(['MUST', '☑️ fails as declared: old is known to break state.pid', '✅ pass']);
    expect(byId.get('state.id')![2]).toMatch(/^❌ fail: state\.id came to fail/);
  });

  it('links each requirement to the release its runtime was judged against, a newer rule to the release that made it', () => {
    const link = (release: string, path: string): string => `https://github.com/opencontainers/runtime-spec/blob/v${release}/${path}`;
    expect(markdown).toContain(`[state.pid](${link('1.0.2', 'runtime.md#state')}): `);
    expect(markdown).toContain(`[linux.namespaces.new-time](${link('1.1.0', 'config-linux.md#namespaces')})`);
    // features.md is not in 1.0.2.
    expect(markdown).toContain(`[features.version-range](${link('1.1.0', 'features.md#features-structure')})`);
    expect(markdown).toContain('[cli.exec.env](https://github.com/opencontainers/runc/blob/v1.1.15/man/runc-exec.8.md)');
    expect(markdown).toContain(`[state.id](${link('1.0.2', 'runtime.md#state')}): `);
    // The row links old's release; new's failure, judged against 1.2.0, links its own.
    const [, , ...failures] = tableAfter(markdown, '### Failures (1)');
    expect(failures[0]![3]).toBe(`❌ fail: state.id came to fail ([spec v1.2.0](${link('1.2.0', 'runtime.md#state')}))`);
    // A rule withdrawn before 1.2.0 links the last release that had it.
    expect(markdown).toContain(`[config.process.capabilities.unknown-error](${link('1.0.2', 'config.md#linux-process')})`);
  });
});

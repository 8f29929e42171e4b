import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema, type ComplianceReport } from '../compliance.js';
import { renderHtml } from './html.js';
import { declaredFailuresReport } from '../testdata/declared-failures.js';

const fixture = (name: string): ComplianceReport =>
  ComplianceReportSchema.parse(JSON.parse(readFileSync(new URL(`../testdata/${name}.json`, import.meta.url), 'utf8')));

const count = (html: string, pattern: RegExp): number => html.match(pattern)?.length ?? 0;

/** The opening tag of the element with this data-requirement (a matrix row). */
const rowTag = (html: string, id: string): string => html.match(new RegExp(`<tr data-row data-requirement="${id.replace(/\./g, '\\.')}"[^>]*>`))?.[0] ?? '';

describe('renderHtml', () => {
  const report = fixture('two-runtimes');
  const html = renderHtml(report);

  it('is one self-contained file: inline style and script only, no external resource of any kind', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(count(html, /<script\b[^>]*>/g)).toBe(1);
    expect(html).toContain('<script>');
    expect(count(html, /<style\b[^>]*>/g)).toBe(1);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed|video|audio|source|base|form action)\b/i);
    expect(html).not.toMatch(/\b(src|srcset|action|poster)=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    // A CSP refuses any load the markup might still smuggle in.
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`);
  });

  it('has no URL but the spec links, each as a plain <a href>', () => {
    const links = new Set(report.runs.flatMap((run) => run.results.map((r) => r.link)));
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>]+/g)];
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      expect(html.slice(url.index - '<a href="'.length, url.index), url[0]).toBe('<a href="');
      expect(links, url[0]).toContain(url[0]);
    }
  });

  it('has a row per requirement and a cell per runtime, with stable data attributes', () => {
    expect(count(html, /<tr data-row /g)).toBe(11);
    expect(count(html, /<td class="cell [^"]*" data-cell /g)).toBe(22);
    expect(count(html, /<article [^>]*data-scorecard /g)).toBe(2);
    expect(rowTag(html, 'delete.not-stopped')).toBe('<tr data-row data-requirement="delete.not-stopped" data-level="MUST" data-area="runtime.md" data-statuses="pass fail">');
    expect(rowTag(html, 'linux.user-mappings.no-chown')).toContain('data-level="SHOULD NOT" data-area="config-linux.md" data-statuses="pass"');
    expect(rowTag(html, 'cli.exec.env')).toContain('data-area="runc CLI"');
    expect(html).toContain('data-run="1" data-runtime="runc" data-status="absent"><span class="badge">not run</span>');
  });

  it('offers level, spec area and status filters for what the report holds', () => {
    for (const level of ['MUST', 'SHOULD', 'SHOULD NOT', 'MAY']) expect(html).toContain(`name="level" value="${level}" checked`);
    expect(html).not.toContain('value="MUST NOT"');
    for (const area of ['runtime.md', 'runtime-linux.md', 'config.md', 'config-linux.md', 'bundle.md', 'features.md', 'runc CLI']) {
      expect(html).toContain(`name="area" value="${area}" checked`);
    }
    expect(html).toContain('name="status" value="fail"> only failures');
  });

  it('escapes statements, reasons, expected and actual', () => {
    expect(html).not.toContain("<script>alert('x')");
    expect(html).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;');
    expect(html).toContain('Exec --env adds variables to the process environment (&lt;name&gt;=&lt;value&gt; &amp; &quot;quoted&quot; | piped).');
    expect(html).toContain('<pre data-actual>&lt;container gone: &#39;state&#39; said &quot;container does not exist&quot;&gt;</pre>');
    for (const raw of ['\u0000', '\u001b']) expect(html).not.toContain(raw);
    expect(html).toContain('\\u001b[31mexpected');
  });

  it('escapes a hostile runtime key and refuses a link that is not http(s)', () => {
    const hostile = structuredClone(report);
    hostile.runs[0]!.runtime.key = '"><img src=x onerror=alert(1)>';
    hostile.runs[0]!.results[0]!.link = 'javascript:alert(1)';
    const out = renderHtml(hostile);
    expect(out).not.toContain('<img');
    expect(out).not.toContain('javascript:');
    expect(out).toContain('data-runtime="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
  });

  it('shows the header facts, and a banner only when the run was interrupted', () => {
    expect(html).toContain('<dd data-field="tool">rtconform 0.1.0</dd>');
    expect(html).toContain('<dd data-field="duration">1 min 6 s</dd>');
    expect(html).toContain('<dd data-field="interrupted" data-value="false">no</dd>');
    expect(html).not.toContain('data-interrupted-banner');
    const interrupted = renderHtml({ ...report, interrupted: true });
    expect(interrupted).toContain('<dd data-field="interrupted" data-value="true">yes</dd>');
    expect(interrupted).toContain('data-interrupted-banner');
  });

  it('renders the real sample and a report without runs', () => {
    expect(count(renderHtml(fixture('fake-run')), /<tr data-row /g)).toBe(42);
    expect(count(renderHtml({ ...report, runs: [] }), /<tr data-row /g)).toBe(0);
  });
});

describe('renderHtml of runtimes with declared failures, judged against different releases', () => {
  const report = declaredFailuresReport();
  const html = renderHtml(report);
  const card = (key: string): string => html.slice(html.indexOf(`data-scorecard data-run="${key === 'old' ? 0 : 1}"`)).split('</article>')[0]!;

  it('says on the score card how many MUST requirements fail as declared, never "no requirement failed"', () => {
    expect(card('old')).toContain('<p class="verdict s-warn" data-field="verdict">! 2 MUST requirements fail as declared; no other MUST requirement failed; '
      + '1 SHOULD requirement fails as declared; 1 requirement outside the judged spec release fails too, not counted</p>');
    expect(card('new')).toContain('<p class="verdict s-fail" data-field="verdict">✗ 1 MUST requirement failed</p>');
    expect(html).not.toMatch(/no requirement failed|every tested MUST requirement met/i);
    expect(renderHtml(fixture('fake-run'))).toContain('data-field="verdict">✓ no requirement failed</p>');
  });

  it('links each requirement to the release judged, and a runtime judged against another release links its own in its evidence', () => {
    const link = (release: string, path: string): string => `https://github.com/opencontainers/runtime-spec/blob/v${release}/${path}`;
    expect(html).toContain(`<a href="${link('1.0.2', 'runtime.md#state')}">state.pid</a>`);
    expect(html).toContain(`<a href="${link('1.1.0', 'config-linux.md#namespaces')}">linux.namespaces.new-time</a>`);
    expect(html).toContain(`<a href="${link('1.1.0', 'features.md#features-structure')}">features.version-range</a>`);
    expect(html).toContain(`<a href="${link('1.0.2', 'config.md#linux-process')}">config.process.capabilities.unknown-error</a>`);
    expect(html).toContain(`<p data-spec-link><a href="${link('1.2.0', 'runtime.md#state')}">the section in runtime-spec v1.2.0</a>, as judged for this runtime</p>`);
    expect(count(html, /data-spec-link/g)).toBe(1);
  });
});

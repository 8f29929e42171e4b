import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ComplianceReportSchema, type ComplianceReport } from '../compliance.js';
import { renderHtml } from './html.js';

/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core (which never
 * downloads a browser of its own). CI installs chromium (.ci/run); where it is missing the
 * tests skip and say so.
 */
const CHROMIUM = '/usr/bin/chromium';
const MISSING = `chromium is not installed at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium)`;
const SCREENSHOTS = fileURLToPath(new URL('../../../reports/screenshots/', import.meta.url));

const report: ComplianceReport = ComplianceReportSchema.parse(
  JSON.parse(readFileSync(new URL('../testdata/two-runtimes.json', import.meta.url), 'utf8')),
);

/** The little of the DOM the page callbacks touch: the project compiles without the DOM lib. */
interface DomElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  closest(selector: string): DomElement | null;
  querySelector(selector: string): DomElement | null;
}
interface DomWindow {
  getComputedStyle(element: DomElement): { backgroundColor: string };
  scrollTo(x: number, y: number): void;
}

interface Opened {
  page: Page;
  /** Every request for anything that is not a file:// URL: each one was blocked. */
  outside: Set<string>;
  /** Console errors (a CSP violation is one) and uncaught page errors. */
  errors: string[];
}

describe('the HTML report in chromium', () => {
  let browser: Browser | undefined;
  let dir: string | undefined;
  let file: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) return;
    dir = await mkdtemp(join(tmpdir(), 'rtconform-html-report-'));
    file = join(dir, 'compliance.html');
    await writeFile(file, renderHtml(report));
    // --no-sandbox: the tests run as root, where chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function open(ctx: TestContext): Promise<Opened> {
    if (browser === undefined) return ctx.skip(MISSING);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    ctx.onTestFinished(() => context.close());
    const opened: Opened = { page: await context.newPage(), outside: new Set(), errors: [] };
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      opened.outside.add(url);
      return route.abort('blockedbyclient');
    });
    // Also what routing does not see: a load the page's CSP refuses never reaches the route.
    opened.page.on('request', (request) => {
      if (!request.url().startsWith('file://')) opened.outside.add(request.url());
    });
    opened.page.on('console', (message) => {
      if (message.type() === 'error') opened.errors.push(message.text());
    });
    opened.page.on('pageerror', (error) => opened.errors.push(error.message));
    opened.page.on('dialog', (dialog) => {
      opened.errors.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await opened.page.goto(pathToFileURL(file).href);
    return opened;
  }

  const visibleRows = (page: Page): Promise<string[]> =>
    page.locator('[data-row]:visible').evaluateAll((rows) => rows.map((r) => (r as unknown as DomElement).dataset.requirement ?? ''));

  it('loads with no request leaving file://, no error and no script but its own', async (ctx) => {
    const { page, outside, errors } = await open(ctx);
    await expect.poll(() => page.locator('[data-visible-count]').textContent()).toBe('11 of 11 requirements shown');
    expect(await page.locator('[data-field="tool"]').textContent()).toBe('rtconform 0.1.0');
    expect(await page.locator('[data-field="interrupted"]').getAttribute('data-value')).toBe('false');
    expect(await page.locator('[data-interrupted-banner]').count()).toBe(0);
    expect([...outside]).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows a score card per runtime', async (ctx) => {
    const { page, outside } = await open(ctx);
    const runc = page.locator('[data-scorecard][data-runtime="runc"]');
    expect(await runc.locator('[data-score="must"] [data-met-tested]').textContent()).toBe('2 / 5');
    expect(await runc.locator('[data-score="must"] [data-skipped]').textContent()).toBe('1 skipped');
    expect(await runc.locator('[data-score="should"] [data-met-tested]').textContent()).toBe('2 / 3');
    expect(await runc.locator('[data-count="fail"]').textContent()).toBe('✗ 4 fail');
    expect(await runc.locator('[data-field="verdict"]').textContent()).toBe('✗ 3 MUST requirements failed; 1 SHOULD requirement failed');
    expect(await runc.locator('[data-field="target"]').textContent()).toBe('host (cgroup v2, systemd driver)');
    expect(await page.locator('[data-scorecard][data-runtime="fake"] [data-score="must"] [data-met-tested]').textContent()).toBe('4 / 5');
    expect([...outside]).toEqual([]);
  });

  it('has a matrix whose rows and cells match compliance.json for both runtimes', async (ctx) => {
    const { page, outside } = await open(ctx);
    const cells = await page.locator('[data-cell]').evaluateAll((tds) => tds.map((td) => {
      const el = td as unknown as DomElement;
      const row = el.closest('[data-row]')!;
      return { requirement: row.dataset.requirement, run: Number(el.dataset.run), status: el.dataset.status, text: el.querySelector('.badge')?.textContent };
    }));
    const ids = new Set(report.runs.flatMap((run) => run.results.map((r) => r.requirement)));
    expect(new Set(cells.map((c) => c.requirement))).toEqual(ids);
    expect(cells).toHaveLength(ids.size * report.runs.length);
    const words = { pass: '✓ pass', fail: '✗ fail', skip: '– skip', error: '! error', absent: 'not run' };
    for (const id of ids) {
      report.runs.forEach((run, i) => {
        const status = run.results.find((r) => r.requirement === id)?.status ?? 'absent';
        const cell = cells.find((c) => c.requirement === id && c.run === i);
        // Status in the text too, not in the colour alone.
        expect(cell, `${id} ${run.runtime.key}`).toEqual({ requirement: id, run: i, status, text: words[status] });
      });
    }
    // Statuses differ in colour as well.
    const colour = (id: string, run: number): Promise<string> =>
      page.locator(`[data-row][data-requirement="${id}"] [data-cell][data-run="${run}"]`).evaluate((td) => (globalThis as unknown as DomWindow).getComputedStyle(td as unknown as DomElement).backgroundColor);
    const [pass, fail, skip] = await Promise.all([colour('delete.not-stopped', 0), colour('delete.not-stopped', 1), colour('config.domainname', 0)]);
    expect(new Set([pass, fail, skip]).size).toBe(3);
    expect([...outside]).toEqual([]);
  });

  it('filters rows by level, status and spec area', async (ctx) => {
    const { page, outside } = await open(ctx);
    const filter = (name: string, value: string): ReturnType<Page['locator']> => page.locator(`[data-filter="${name}"] input[value="${value}"]`);
    const withLevel = (level: string): string[] =>
      [...new Set(report.runs.flatMap((run) => run.results.filter((r) => r.level === level).map((r) => r.requirement)))];

    for (const level of ['SHOULD', 'SHOULD NOT', 'MAY']) await filter('level', level).uncheck();
    expect((await visibleRows(page)).sort()).toEqual(withLevel('MUST').sort());

    await filter('status', 'fail').check();
    expect(await visibleRows(page)).toEqual(['delete.not-stopped', 'linux.fds.stdio-only', 'config.domainname', 'linux.personality']);
    expect(await page.locator('[data-visible-count]').textContent()).toBe('4 of 11 requirements shown');

    await filter('area', 'config-linux.md').uncheck();
    expect(await visibleRows(page)).toEqual(['delete.not-stopped', 'linux.fds.stdio-only', 'config.domainname']);

    await filter('level', 'MUST').uncheck();
    expect(await visibleRows(page)).toEqual([]);
    expect(await page.locator('[data-empty]').isVisible()).toBe(true);

    for (const level of ['MUST', 'SHOULD', 'SHOULD NOT', 'MAY']) await filter('level', level).check();
    await filter('area', 'config-linux.md').check();
    await filter('status', 'skip').check();
    expect(await visibleRows(page)).toEqual(['config.domainname', 'linux.namespaces.types-supported', 'linux.personality', 'features.version-range']);
    await filter('status', 'pass').check();
    expect(await visibleRows(page)).toEqual(['delete.id-reusable', 'state.pid', 'linux.user-mappings.no-chown', 'bundle.config-json', 'cli.exec.env']);
    await filter('status', 'all').check();
    expect(await visibleRows(page)).toHaveLength(11);
    expect([...outside]).toEqual([]);
  });

  it('expands a failure to its reason, expected and actual, and the tests\' names; then saves a screenshot', async (ctx) => {
    const { page, outside, errors } = await open(ctx);
    const cell = page.locator('[data-row][data-requirement="delete.not-stopped"] [data-cell][data-run="1"]');
    const comparison = cell.locator('[data-comparison]');
    expect(await comparison.isVisible()).toBe(false);
    await cell.locator('summary').click();
    expect(await cell.locator('[data-reason]').textContent())
      .toBe('runc delete <id> exited 0: the runtime accepted the call; it should have refused it | state after: "stopped" & gone\nrunc: level=info msg="killing init"');
    expect(await comparison.locator('[data-expected]').textContent()).toBe('{ "status": "created" }');
    expect(await comparison.locator('[data-actual]').textContent()).toBe('<container gone: \'state\' said "container does not exist">');
    expect(await comparison.isVisible()).toBe(true);
    expect(await cell.locator('[data-test-name]').allTextContents()).toEqual([
      'delete of a created container fails and leaves it created [MUST delete.not-stopped]',
      'delete of a running container fails and leaves it running [MUST delete.not-stopped]',
    ]);

    // The reason that holds a <script> tag shows it as text and runs nothing.
    const script = page.locator('[data-row][data-requirement="linux.namespaces.types-supported"] [data-cell][data-run="1"]');
    await script.locator('summary').click();
    expect(await script.locator('[data-reason]').textContent()).toContain("<script>alert('x')</script>");
    await page.locator('[data-row][data-requirement="linux.fds.stdio-only"] [data-cell][data-run="0"] summary').click();
    expect(errors).toEqual([]);

    // From the top: the matrix header is sticky and would otherwise show mid-page.
    await page.evaluate(() => (globalThis as unknown as DomWindow).scrollTo(0, 0));
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'compliance-report.png'), fullPage: true });
    expect(existsSync(join(SCREENSHOTS, 'compliance-report.png'))).toBe(true);
    expect([...outside]).toEqual([]);
  });
});

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAllure, withoutAnalytics } from './allure.js';

const CHROMIUM = '/usr/bin/chromium';

/** Two results as allure-vitest writes them for a suite test: labels, the spec link, a failure. */
function result(name: string, status: 'passed' | 'failed', requirement: string): Record<string, unknown> {
  const uuid = `${requirement}-${status}`.replace(/[^\w-]/g, '-');
  return {
    uuid, historyId: uuid, testCaseId: uuid, name: `${name} [MUST ${requirement}]`, fullName: `suites/state › ${name}`,
    status, stage: 'finished', start: 1_700_000_000_000, stop: 1_700_000_000_500,
    ...(status === 'failed' ? { statusDetails: { message: 'expected "stopped" to be "running"', trace: '' } } : {}),
    labels: [
      { name: 'runtime', value: 'fake' }, { name: 'target', value: 'host' }, { name: 'requirement', value: requirement },
      { name: 'level', value: 'MUST' }, { name: 'parentSuite', value: 'fake › state' },
      { name: 'epic', value: 'runtime.md' }, { name: 'feature', value: 'state' }, { name: 'severity', value: 'critical' },
    ],
    links: [{ url: 'https://github.com/opencontainers/runtime-spec/blob/v1.2.0/runtime.md#state', name: 'runtime.md#state', type: 'spec' }],
    steps: [], attachments: [], parameters: [],
  };
}

describe('the allure report', () => {
  let dir: string;
  let page: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtconform-allure-test-'));
    const results = join(dir, 'allure-results');
    await mkdir(results);
    for (const r of [result('state reports the id', 'passed', 'state.id'), result('status becomes stopped', 'failed', 'state.stopped-after-exit')]) {
      await writeFile(join(results, `${String(r.uuid)}-result.json`), JSON.stringify(r));
    }
    page = await generateAllure([results], join(dir, 'allure-report'));
  }, 120_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('is one page that names no script, style or image on the network', async () => {
    const html = await readFile(page, 'utf8');
    expect(html).toContain('window.allureReportOptions');
    expect(html.match(/<(?:script|link|img)[^>]+(?:src|href)=["']https?:[^"']*/gi) ?? []).toEqual([]);
    expect(html).not.toContain('googletagmanager');
  });

  it('analytics are cut out, and only they', () => {
    const analytics = '<script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>\n<script>\n window.dataLayer = []; function gtag(){dataLayer.push(arguments);}\n gtag("js", new Date());\n</script>';
    const own = '<script>window.allure = {};</script>';
    expect(withoutAnalytics(`${own}\n${analytics}\n${own}`)).toBe(`${own}\n\n\n${own}`);
  });

  it('opens in chromium with no request leaving the machine, and lists the tests', async (ctx) => {
    if (!existsSync(CHROMIUM)) return ctx.skip(`chromium is not installed at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium)`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    ctx.onTestFinished(() => browser.close());
    const context = await browser.newContext();
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (/^(file|data|blob):/.test(url)) return route.continue();
      outside.push(url);
      return route.abort('blockedbyclient');
    });
    const tab = await context.newPage();
    await tab.goto(pathToFileURL(page).href);
    // The tree: runtime, spec document, requirement, then the test. A node may open by itself
    // (allure opens the way to failures): click it only when what is under it is not shown.
    const path = ['fake', 'runtime.md', 'state.stopped-after-exit', 'status becomes stopped [MUST state.stopped-after-exit]'];
    await tab.getByText(path[0]!, { exact: true }).first().waitFor({ timeout: 30_000 });
    for (let i = 1; i < path.length; i++) {
      const next = tab.getByText(path[i]!, { exact: true }).first();
      if (!(await next.isVisible())) await tab.getByText(path[i - 1]!, { exact: true }).first().click();
      await next.waitFor({ timeout: 10_000 });
    }
    expect(outside, 'requests that would have left the machine').toEqual([]);
  }, 90_000);
});

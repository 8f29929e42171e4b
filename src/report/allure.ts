import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

/**
 * Generates the allure report (Allure 3, in Node: no Java, no network) from allure-vitest's
 * results, as one self-contained index.html grouped by runtime, spec document and requirement. Returns
 * the report file.
 */
export async function generateAllure(resultsDirs: readonly string[], outDir: string): Promise<string> {
  // The package exports only its API (dist/index.js); its command line is cli.js beside dist/.
  const cli = join(dirname(createRequire(import.meta.url).resolve('allure')), '..', 'cli.js');
  const scratch = await mkdtemp(join(tmpdir(), 'rtconform-allure-'));
  try {
    const config = join(scratch, 'allurerc.mjs');
    const options = {
      name: 'rtconform conformance run',
      output: outDir,
      plugins: { awesome: { options: { singleFile: true, reportLanguage: 'en', groupBy: ['runtime', 'epic', 'requirement'] } } },
    };
    await writeFile(config, `export default ${JSON.stringify(options, null, 2)};\n`);
    const result = await execa(process.execPath, [cli, 'generate', '--config', config, '--output', outDir, ...resultsDirs], {
      // Plain, non-interactive output: it only ends up in our error message.
      reject: false, all: true, cwd: scratch, env: { NO_COLOR: '1', CI: '1' },
    });
    if (result.exitCode !== 0) throw new Error(`allure generate failed (exit ${result.exitCode}):\n${result.all}`);
    const page = join(outDir, 'index.html');
    await writeFile(page, withoutAnalytics(await readFile(page, 'utf8')));
    return page;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Allure 3's page always loads Google Analytics (gtag.js, then an inline script calling it);
 * no option turns it off. Our reports load nothing from the network, so both go.
 */
export function withoutAnalytics(html: string): string {
  return html
    .replace(/<script[^>]*\ssrc="https:\/\/www\.googletagmanager\.com\/[^"]*"[^>]*><\/script>/g, '')
    .replace(/<script>(?:(?!<\/script>)[\s\S])*?\bgtag\((?:(?!<\/script>)[\s\S])*<\/script>/g, '');
}

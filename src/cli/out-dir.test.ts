import { existsSync, lstatSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { writeReports } from '../report/write-reports.js';
import type { ComplianceReport } from '../report/compliance.js';
import { summarize } from '../report/score.js';
import { requirementResult } from '../report/verdict.js';
import { catalogue } from '../requirements/catalogue.js';
import { claimOutDir } from './out-dir.js';

/** Each way --out once harmed the user's files (issue 14, point 5), tried. */
describe('the out dir: checked before the run, written without harm to what is not ours', () => {
  let work: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await dir({ prefix: 'rtconform-out-', unsafeCleanup: true });
  });
  afterAll(async () => work.cleanup());

  it('refuses the root, the kernel\'s file systems and the system\'s dirs, at once', async () => {
    for (const out of ['/', '/proc/x', '/sys/fs/x', '/dev/x', '/etc', '/usr', '/tmp']) {
      const started = Date.now();
      await expect(claimOutDir(out), out).rejects.toThrow(/is a system directory; choose a directory of your own/);
      expect(Date.now() - started, out).toBeLessThan(1000);
    }
    expect(existsSync('/.rtconform-out'), 'no marker of ours written into /').toBe(false);
  });

  it('refuses a dir it cannot create or write, before anything runs, saying why', async () => {
    const file = join(work.path, 'a-file');
    await writeFile(file, 'mine');
    await expect(claimOutDir(join(file, 'reports'))).rejects.toThrow(/cannot write reports to .*a-file\/reports \(ENOTDIR at .*a-file\); choose a directory you can write/);
    expect(await readFile(file, 'utf8')).toBe('mine');
  });

  it('leaves another tool\'s junit.xml and allure-results/ alone unless --force, and says which', async () => {
    const out = join(work.path, 'shared');
    await mkdir(join(out, 'allure-results'), { recursive: true });
    await writeFile(join(out, 'allure-results', 'theirs.json'), '{}');
    await writeFile(join(out, 'junit.xml'), '<theirs/>');
    await writeFile(join(out, 'notes.txt'), 'theirs');
    await expect(claimOutDir(out)).rejects.toThrow(/already holds allure-results, junit\.xml, which rtconform did not write; pass --force/);
    expect(await readdir(join(out, 'allure-results'))).toEqual(['theirs.json']);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toBe('<theirs/>');
    await claimOutDir(out, { force: true });
    // Once rtconform's, the next run needs no --force; files of other names are never its.
    await claimOutDir(out);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('theirs');
  });

  it('takes a dir an earlier rtconform run wrote (its compliance.json says so) as its own', async () => {
    const out = join(work.path, 'earlier');
    await mkdir(out);
    await writeFile(join(out, 'compliance.json'), JSON.stringify({ tool: { name: 'rtconform', version: '0.0.1' } }));
    await writeFile(join(out, 'junit.xml'), '<earlier/>');
    await expect(claimOutDir(out)).resolves.toBe(out);
  });

  it('replaces a symlink standing where a report goes instead of writing through it', async () => {
    const out = await claimOutDir(join(work.path, 'linked'));
    const target = join(work.path, 'precious.xml');
    await writeFile(target, 'precious');
    await symlink(target, join(out, 'junit.xml'));
    const results = [requirementResult(catalogue[0]!.id, [{ name: 't', status: 'pass', durationMs: 1 }], { release: '1.0.2', expectedFailures: new Map() })];
    const report: ComplianceReport = {
      schemaVersion: 2, tool: { name: 'rtconform', version: 'test' }, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z',
      durationMs: 60_000, interrupted: false,
      runs: [{ runtime: { key: 'rt', name: 'rt', path: '/usr/bin/rt', version: '1.0.0', spec: '1.0.2' }, target: { kind: 'host', description: 'host' }, summary: summarize(results), results }],
    };
    expect(await writeReports(report, out)).toHaveLength(4);
    expect(await readFile(target, 'utf8')).toBe('precious');
    expect(lstatSync(join(out, 'junit.xml')).isSymbolicLink()).toBe(false);
  });

  it('rtconform run refuses such a dir before it runs anything, exit 2, the files untouched', async () => {
    const out = join(work.path, 'cli');
    await mkdir(out);
    await writeFile(join(out, 'junit.xml'), '<theirs/>');
    const result = await execa('node', [join(packageRoot(), 'dist/cli/main.js'), 'run', '--suite', 'state', '--out', out], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toMatch(/--out .*already holds junit\.xml, which rtconform did not write/);
    expect(result.all).not.toMatch(/running state/);
    expect(await readdir(out)).toEqual(['junit.xml']);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toBe('<theirs/>');
  });
});

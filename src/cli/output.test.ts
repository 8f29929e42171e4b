import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';

const CLI = (): string => join(packageRoot(), 'dist/cli/main.js');

/** What `rtconform run` prints while it goes: --quiet, --verbose, and a progress line on a terminal. */
describe('rtconform run output', () => {
  let work: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await dir({ prefix: 'rtconform-output-', unsafeCleanup: true });
  });
  afterAll(async () => work.cleanup());
  const run = (args: string[], env: Record<string, string> = {}) =>
    execa('node', [CLI(), 'run', '--suite', 'lifecycle/start', '--out', join(work.path, args.join('') || 'plain'), ...args], { reject: false, all: true, env });

  it('--quiet prints each runtime\'s counts and verdict, no test and no requirement line', async () => {
    const result = await run(['--quiet']);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/verdict: no requirement failed/);
    expect(result.all).toMatch(/\d+ passed, 0 failed/);
    expect(result.all).not.toMatch(/PASS {2}MUST|start\.test\.ts|running lifecycle/);
  });

  it('--verbose prints every test; NO_COLOR leaves no colour code in it', async () => {
    const result = await run(['--verbose'], { NO_COLOR: '1' });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/start runs the user program \[MUST start\.runs-process\]/);
    expect(result.all).not.toContain('\u001b');
  });

  it('--quiet with --verbose is refused, saying why', async () => {
    const result = await run(['--quiet', '--verbose']);
    expect(result.exitCode).toBe(2);
    expect(result.all).toMatch(/--quiet and --verbose ask for opposite things/);
  });

  it('on a terminal, one progress line: requirements checked of planned, failures, time (run under script(1) for a terminal)', async () => {
    const out = join(work.path, 'terminal');
    const result = await execa('script', ['-qec', `node ${CLI()} run --suite lifecycle/start --out ${out}`, '/dev/null'], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
    const lines = String(result.all).split(/\r|\n/).filter((l) => l.includes('rtconform: ') && l.includes('requirements checked'));
    expect(lines.at(-1)).toMatch(/rtconform: (\d+)\/\1 requirements checked, none failing, \d+ s/);
    // The line is rewritten in place, not repeated as vitest's file lines.
    expect(result.all).not.toMatch(/✓ suites\/lifecycle\/start\.test\.ts/);
  });
});

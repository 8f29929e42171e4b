import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema } from '../report/compliance.js';
import { verdictOf } from '../report/verdict.js';
import { packageRoot } from '../package-root.js';
import { runcOnHost } from './testdata/runc-on-host.js';

const CLI = (): string => join(packageRoot(), 'dist/cli/main.js');

/**
 * The suites catch a real runc broken in one way: a wrapper script (src/cli/testdata/hostile/)
 * that misbehaves in that way and is runc otherwise, declared like runc. What the wrapper breaks
 * fails, with the runtime's words; the same verb's other forms still pass.
 */
describe('the suites catch a runc broken in one way', () => {
  it('update that cannot read --resources - (stdin, as containerd passes them) fails cli.update.resources-stdin; the file form passes', async (ctx) => {
    if (!runcOnHost()) return ctx.skip('runc on the host needs root and runc on PATH');
    const work = await dir({ prefix: 'rtconform-broken-runc-', unsafeCleanup: true });
    try {
      const declaration = join(work.path, 'update-file-only.yaml');
      await writeFile(declaration, `name: update-file-only\nlike: runc\nbinary: ${join(packageRoot(), 'src/cli/testdata/hostile/runc-update-file-only.sh')}\n`);
      const out = join(work.path, 'out');
      const result = await execa('node', [CLI(), 'run', '--runtime-config', declaration, '--suite', 'resources/update', '--out', out], { reject: false, all: true });
      const [run] = ComplianceReportSchema.parse(JSON.parse(await readFile(join(out, 'compliance.json'), 'utf8'))).runs;
      const verdict = (id: string): string => {
        const r = run?.results.find((x) => x.requirement === id);
        return r === undefined ? 'missing' : `${verdictOf(r)}${r.reason === undefined ? '' : `: ${r.reason}`}`;
      };
      expect(verdict('cli.update.resources-stdin'), result.all).toMatch(/^fail: .*update failed \(exit 1\).*open -: no such file or directory/);
      expect(verdict('cli.update.resources-file'), result.all).toBe('pass');
      // SHOULD requirements only: the run's verdict is not a MUST failure.
      expect(result.exitCode, result.all).toBe(0);
    } finally {
      await work.cleanup();
    }
  }, 120_000);

  it('a helper of ours that fails under a healthy runc (socat, which types into a terminal) makes the requirement an error with its words, never runc\'s fail', async (ctx) => {
    if (!runcOnHost()) return ctx.skip('runc on the host needs root and runc on PATH');
    const work = await dir({ prefix: 'rtconform-broken-helper-', unsafeCleanup: true });
    try {
      // A socat that fails as socat does when it cannot reach a socket, first on PATH.
      const bin = join(work.path, 'bin');
      await mkdir(bin);
      await writeFile(join(bin, 'socat'), '#!/bin/sh\necho "socat[$$] E connect(5, AF=1 \\"attach\\", 8): stand-in for a failing helper" >&2\nexit 1\n', { mode: 0o755 });
      const out = join(work.path, 'out');
      const result = await execa('node', [CLI(), 'run', '--runtime', 'runc', '--suite', 'terminal', '--out', out], {
        reject: false, all: true, env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
      });
      const [run] = ComplianceReportSchema.parse(JSON.parse(await readFile(join(out, 'compliance.json'), 'utf8'))).runs;
      const verdict = (id: string): string => {
        const r = run?.results.find((x) => x.requirement === id);
        return r === undefined ? 'missing' : `${verdictOf(r)}${r.reason === undefined ? '' : `: ${r.reason}`}`;
      };
      if (verdict('cli.create.console-socket').startsWith('skip')) return ctx.skip(`conmon is needed for the attach: ${verdict('cli.create.console-socket')}`);
      expect(verdict('cli.create.console-socket'), result.all).toMatch(/^error: RuntimeError: socat attach failed \(exit 1\): socat\[\d+\] E connect.*stand-in for a failing helper/);
      // runc itself is healthy: the suite's other requirements are judged as ever.
      expect(verdict('config.process.terminal'), result.all).toBe('pass');
      // An error of ours, no MUST failure: exit 2.
      expect(result.exitCode, result.all).toBe(2);
    } finally {
      await work.cleanup();
    }
  }, 120_000);
});

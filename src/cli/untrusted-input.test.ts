import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../report/compliance.js';
import { packageRoot } from '../package-root.js';

const CLI = (): string => join(packageRoot(), 'dist/cli/main.js');

/** Set on exit by every CLI run below: the most memory the process ever held (KiB), on stderr. */
const MAX_RSS_HOOK = 'data:text/javascript,process.on("exit",()=>process.stderr.write(`\\nrtconform-test-max-rss-kib=${process.resourceUsage().maxRSS}\\n`))';

/**
 * `rtconform ARGS` with a heap of 256 MB and a time limit: a regression (reading a FIFO, parsing
 * a 50 MB file) fails the test instead of hanging it or taking gigabytes of a shared machine.
 */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number | undefined; stdout: string; stderr: string; seconds: number; maxRssMiB: number }> {
  const started = Date.now();
  const result = await execa('node', ['--max-old-space-size=256', '--import', MAX_RSS_HOOK, CLI(), ...args], {
    reject: false, timeout: 30_000, env, cwd: packageRoot(), stripFinalNewline: false,
  });
  const rss = /rtconform-test-max-rss-kib=(\d+)/.exec(result.stderr);
  return {
    exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr.replace(/\nrtconform-test-max-rss-kib=\d+\n/, ''),
    seconds: (Date.now() - started) / 1000, maxRssMiB: rss ? Number(rss[1]) / 1024 : Infinity,
  };
}

async function withTemp<T>(use: (path: string) => Promise<T>): Promise<T> {
  const work = await dir({ prefix: 'rtconform-untrusted-', unsafeCleanup: true });
  try {
    return await use(work.path);
  } finally {
    await work.cleanup();
  }
}

const ESC = '\u001b';
/** An OSC that retitles the terminal, a colour, a screen clear: none may reach a terminal raw. */
const TITLE = '\u001b]0;pwned\u0007';
const RED = '\u001b[31m';

describe('bounded inputs', () => {
  it('a declaration with a 50 MB description is refused by its size at once, in little memory', () => withTemp(async (work) => {
    const declaration = join(work, 'big.yaml');
    const stream = createWriteStream(declaration);
    stream.write('name: big\ndescription: ');
    const mib = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 50; i++) stream.write(mib);
    stream.end('\n');
    await finished(stream);
    const run = await cli(['run', '--runtime-config', declaration, '--out', join(work, 'out')]);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain(`rtconform: ${declaration} is 50 MiB; a runtime declaration is at most 1 MiB`);
    expect(run.seconds).toBeLessThan(10);
    // Node alone holds ~50 MB; reading the file would add 100 MB, parsing it gigabytes.
    expect(run.maxRssMiB).toBeLessThan(150);
  }));

  it('--baseline on a FIFO or /dev/zero exits 2 at once, saying it is not a regular file; so do compare, report and an out dir holding one', () => withTemp(async (work) => {
    const fifo = join(work, 'compliance.json');
    await execa('mkfifo', [fifo]);
    const out = join(work, 'out');
    for (const [args, problem] of [
      [['run', '--baseline', fifo, '--out', out], `${fifo} is a FIFO, not a regular file: give the path of the file itself`],
      [['run', '--baseline', '/dev/zero', '--out', out], '/dev/zero is a character device, not a regular file: give the path of the file itself'],
      [['compare', '/dev/zero', fifo], '/dev/zero is a character device, not a regular file'],
      [['report', fifo, '--out', out], `${fifo} is a FIFO, not a regular file`],
      [['report', work, '--out', out], `${fifo} is a FIFO, not a regular file`],
      // An out dir holding a FIFO where the report goes: not read (it would hang), and not ours.
      [['run', '--out', work], `--out ${work}: ${work} already holds compliance.json, which rtconform did not write`],
    ] as const) {
      const run = await cli([...args]);
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(`rtconform: ${problem}`);
      expect(run.seconds).toBeLessThan(10);
      expect(run.maxRssMiB).toBeLessThan(150);
    }
  }));
});

describe('no control character of an input reaches the terminal raw', () => {
  it('a declaration\'s install hint and binary in the error of a run whose binary is missing', () => withTemp(async (work) => {
    const declaration = join(work, 'hostile.json');
    await writeFile(declaration, JSON.stringify({
      name: 'hostile', description: `${TITLE}${RED}a runtime`, binary: `/nonexistent/${RED}rt${ESC}[2J`, install: `${TITLE}apt-get install ${RED}hostile`,
    }));
    const run = await cli(['run', '--runtime-config', declaration, '--out', join(work, 'out')]);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stdout + run.stderr).not.toContain(ESC);
    expect(run.stderr).toContain('/nonexistent/\\u001b[31mrt\\u001b[2J');
    expect(run.stderr).toContain('install it with: \\u001b]0;pwned\\u0007apt-get install \\u001b[31mhostile');
  }));

  it('a declaration\'s own words quoted by a refusal: an unknown key, a line YAML cannot parse', () => withTemp(async (work) => {
    const unknownKey = join(work, 'unknown-key.json');
    await writeFile(unknownKey, JSON.stringify({ name: 'x', [`${TITLE}key`]: 1 }));
    const notYaml = join(work, 'not-yaml.yaml');
    await writeFile(notYaml, `name: [${TITLE}${RED}\n`);
    for (const [declaration, quoted] of [[unknownKey, '\\u001b]0;pwned\\u0007key'], [notYaml, '\\u001b]0;pwned\\u0007\\u001b[31m']]) {
      const run = await cli(['run', '--runtime-config', declaration!, '--out', join(work, 'out')]);
      expect(run.exitCode, run.stderr).toBe(2);
      expect(run.stderr).not.toContain(ESC);
      expect(run.stderr).toContain(quoted);
    }
  }));

  it('doctor: a runtime on PATH whose directory and --version hold escape sequences', () => withTemp(async (work) => {
    const bin = join(work, `bin${ESC}[2J`);
    await mkdir(bin);
    await writeFile(join(bin, 'runc'), `#!/bin/sh\nprintf 'runc version \\033]0;pwned\\007\\033[31m1.1\\nspec: 1.2.0\\n'\n`);
    await chmod(join(bin, 'runc'), 0o755);
    // No engine at that address: doctor says so at once instead of starting containers.
    const run = await cli(['doctor'], { PATH: `${bin}:${process.env.PATH ?? ''}`, DOCKER_HOST: `unix://${join(work, 'no-engine.sock')}` });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(ESC);
    expect(run.stdout).toMatch(/runc\s+\\u001b\]0;pwned\\u0007\\u001b\[31m1\.1 at \S*bin\\u001b\[2J\/runc/);
  }));

  it('compare: a runtime\'s path and words in the reports, as text and as JSON', () => withTemp(async (work) => {
    const old = JSON.parse(await readFile(join(packageRoot(), 'src/report/testdata/fake-run.json'), 'utf8')) as ComplianceReport;
    const next = structuredClone(old);
    const result = next.runs[0]!.results[0]!;
    // A C1 control (CSI, U+009B) too: JSON.stringify leaves it raw.
    Object.assign(result, { status: 'fail', reason: `the runtime said ${TITLE}${RED}no\u009b2J` });
    await writeFile(join(work, 'old.json'), JSON.stringify(old));
    await writeFile(join(work, 'new.json'), JSON.stringify(next));
    const text = await cli(['compare', join(work, 'old.json'), join(work, 'new.json')]);
    expect(text.stdout).toContain('the runtime said \\u001b]0;pwned\\u0007\\u001b[31mno\\u009b2J');
    const json = await cli(['compare', '--json', join(work, 'old.json'), join(work, 'new.json')]);
    for (const output of [text, json]) {
      expect(output.exitCode, output.stderr).toBe(0);
      for (const control of [ESC, '\u0007', '\u009b']) expect(output.stdout).not.toContain(control);
    }
    // Written out as JSON escapes, the JSON still says what the report said.
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain(JSON.stringify(result.reason).slice(1, -1));
  }));

  it('a run\'s own lines (vitest\'s, --verbose): a runtime at a path with escapes that prints escapes on every refusal', () => withTemp(async (work) => {
    // A wrapper of the fake, in a dir whose name retitles the terminal, that adds an OSC and a
    // clear screen to what it says when it refuses a call.
    const where = join(work, `rt${TITLE}`);
    await mkdir(where);
    const runtime = join(where, 'rt');
    const fake = join(packageRoot(), 'dist/fake-runtime/rtconform-fake-runtime');
    // Taken for a runtime with runc's conventions (it needs root, no --root is given): its state
    // goes in the test's dir, not in the fake's default root on the machine.
    await writeFile(runtime, `#!/bin/sh\n"${fake}" --root "${join(work, 'state')}" "$@" 2>"$0.err"; rc=$?\n[ $rc -eq 0 ] || printf '${TITLE}\\033[2J%s\\n' "$(cat "$0.err")" >&2\nexit $rc\n`);
    await chmod(runtime, 0o755);
    const run = await cli(['run', '--runtime', runtime, '--suite', 'lifecycle/missing-id', '--verbose', '--out', join(work, 'out')], { NO_COLOR: '1', PATH: process.env.PATH ?? '' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain('\\u001b]0;pwned\\u0007');
    expect(`${run.stdout}${run.stderr}`).not.toContain(ESC);
  }));
});

import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';

const cli = (...args: string[]) => execa('node', [join(packageRoot(), 'dist/cli/main.js'), ...args], { reject: false });

describe('rtconform answers --help', () => {
  // Each command with an option its help must list.
  const commands: [string, string][] = [
    ['run', '--runtime'], ['report', '--allure'], ['compare', '--json'], ['image', '--mirror'], ['doctor', 'what this machine offers'], ['requirements', '--uncovered'],
  ];

  it.each(commands)('rtconform %s --help, -h and `rtconform help %s` show its options and exit 0', async (command, option) => {
    for (const args of [[command, '--help'], [command, '-h'], ['help', command]]) {
      const result = await cli(...args);
      expect(result.exitCode, args.join(' ')).toBe(0);
      expect(result.stdout, args.join(' ')).toMatch(new RegExp(`^usage: rtconform ${command} `));
      expect(result.stdout, args.join(' ')).toContain(option);
      expect(result.stderr, args.join(' ')).toBe('');
    }
  });

  it('an option a command does not take is refused, naming it and where the options are listed', async () => {
    const result = await cli('run', '--bogus');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/Unknown option '--bogus' \(rtconform run --help lists its options\)/);
  });

  it('rtconform --help lists every command and how to get one command\'s options', async () => {
    const result = await cli('--help');
    expect(result.exitCode).toBe(0);
    for (const [command] of commands) expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(result.stdout).toContain('rtconform <command> --help');
  });
});

#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { catalogue } from '../requirements/catalogue.js';
import { requirementLink } from '../requirements/requirement.js';
import { doctorCommand } from './doctor.js';
import { HarnessError } from './harness-error.js';
import { availableSuites, runCommand, toolVersion } from './run.js';

const usage = (): string => `usage: rtconform <command> [options]

commands:
  run            run conformance suites against one or more runtimes
                   --runtime NAME|PATH   fake (default), runc, crun, runsc or a path; repeat for several
                   --suite NAME          ${availableSuites().join(', ')}; repeat for several (default: all)
                   --out DIR             where compliance.json goes (default: reports/latest)
                   --call-timeout MS     limit for one runtime call (default: 30000)
  doctor         what this machine offers and what it means for the suites
  requirements   list the requirement catalogue
  --version      print rtconform's version

exit codes of run: 0 no MUST requirement failed, 1 one did, 2 the harness could not run, 130 interrupted`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const { values } = parseArgs({
        args: rest,
        options: {
          runtime: { type: 'string', multiple: true },
          suite: { type: 'string', multiple: true },
          out: { type: 'string' },
          'call-timeout': { type: 'string' },
        },
        strict: true,
      });
      const timeout = values['call-timeout'];
      if (timeout !== undefined && !/^\d+$/.test(timeout)) throw new HarnessError(`--call-timeout wants milliseconds, got "${timeout}"`);
      return runCommand({
        runtimes: values.runtime ?? ['fake'],
        suites: values.suite ?? [],
        outDir: values.out ?? 'reports/latest',
        callTimeoutMs: timeout === undefined ? undefined : Number(timeout),
      });
    }
    case 'doctor':
      return doctorCommand();
    case 'requirements': {
      for (const r of catalogue) process.stdout.write(`${r.level.padEnd(8)} ${r.id.padEnd(30)} ${r.statement}\n         ${requirementLink(r)}\n`);
      process.stdout.write(`${catalogue.length} requirements; suites: ${availableSuites().join(', ')}\n`);
      return 0;
    }
    case '--version':
    case '-v':
      process.stdout.write(`rtconform ${toolVersion()}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(usage() + '\n');
      return command === undefined ? 2 : 0;
    default:
      throw new HarnessError(`unknown command "${command}"\n\n${usage()}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known = error instanceof HarnessError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    process.stderr.write(`rtconform: ${known ? (error as Error).message : (error instanceof Error ? error.stack : String(error))}\n`);
    process.exitCode = 2;
  },
);

#!/usr/bin/env node
// Only what --help, --version and argument checks need is loaded up front (~0.1 s); each command
// loads its own modules when it runs, so `rtconform --help` or a refused option answers at once.
import { parseArgs } from 'node:util';
import { SPEC_RELEASES } from '../requirements/spec-version.js';
import { toolVersion } from '../package-root.js';
import { visibleText } from '../util/text.js';
import { availableSuites } from './available-suites.js';
import { HarnessError } from './harness-error.js';

/** Each command's line and options, as `rtconform --help` lists them and `rtconform COMMAND --help` shows one. */
const COMMAND_HELP: Record<string, () => string> = {
  run: () => `  run            run conformance suites against one or more runtimes
                   --runtime NAME|PATH   fake (default), runc, crun, runsc, a path to a binary, or a runtime
                                         declaration file (.yaml, .yml, .json); repeat for several
                   --runtime-config FILE a runtime declaration (docs/runtime-declarations.md); repeatable
                   --spec-version X      judge against runtime-spec X (default: the version each runtime
                                         declares; ${SPEC_RELEASES.join(', ')})
                   --suite NAME          ${availableSuites().join(', ')}, or one file of a suite (lifecycle/create);
                                         repeat for several (default: all)
                   --out DIR             where the reports go (default: reports/latest): compliance.json,
                                         compliance.md, junit.xml, compliance.html, allure-results/
                   --force               replace files of those names in DIR that rtconform did not write
                                         (refused otherwise; other files in DIR are never touched)
                   --quiet, -q           print only each runtime's counts and verdict, and errors
                   --verbose             print every test as it ends (default: one progress line on a
                                         terminal, vitest's lines per file elsewhere)
                   --shard I/N           run the I-th of N parts of the suites (merge with \`report\`)
                   --call-timeout MS     limit for one runtime call (default: 30000)
                   --retries N           run a failed test up to N more times (0-10, default 0); a
                                         requirement whose attempts disagree is reported flaky
                   --in-container        run the runtimes inside privileged containers (one per runtime and image)
                   --image NAME          the containers' image (default: the one \`rtconform image build\` makes);
                                         repeat it for a release matrix: each runtime in each image, one
                                         column each (runc@trixie, runc@sid)
                   --cgroup-view VIEW    host (default: the host's hierarchy, v2 part hidden for crun on
                                         hybrid hosts) or private (own cgroup namespace, cgroup2 mount)
                   --engine URL          spread the runtimes over several Docker engines at once (repeat it:
                                         --engine tcp://a:2375 --engine unix:///run/docker.sock); one
                                         report; a share an engine fails is retried on another
                   --file-sharing HOW    how the run dir reaches the containers: bind (a bind mount; the
                                         default for a unix-socket engine) or bridge (sshfs over the
                                         engine; the default for DOCKER_HOST=tcp://… or ssh://…)
                   --run-id ID           name the run (1-16 lower-case letters and digits): its containers are
                                         rtc-ID-…, its private dir ID-XXXXXX in the dir of runs (default: random); with
                                         --engine (1-12), each share's run is IDs1, IDs2, …
                   --state-dir DIR       keep the run's private dir in DIR instead of the dir of runs
                                         (/run/rtconform as root, else $XDG_RUNTIME_DIR/rtconform; in
                                         /dev/shm where /run or /tmp is on a disk; docs/security.md):
                                         a dir only you can write, that others may pass through
                                         (runsc's sandbox); runs sweep dead runs there
                   --baseline FILE       compare with an earlier compliance.json: exit 1 only on a MUST
                                         regression (pass → fail), whatever failed before as well`,
  report: () => `  report [REPORT…] one report in every format (compliance.json, .md, junit.xml, .html) from runs'
                 compliance.json files or directories (one per runtime, or shards of one run: merged;
                 default: reports/latest)
                   --out DIR             where to write (default: beside the first report)
                   --force               replace report files in DIR that rtconform did not write
                   --allure              also generate the allure report (allure-report/index.html)`,
  compare: () => `  compare OLD NEW  regressions, fixes and new skips between two compliance.json files; exit 1 on a
                 MUST regression
                   --json                the comparison as JSON`,
  image: () => `  image build    build the local runtimes image (runc, crun, criu, conmon, socat) by debootstrap, no registry;
                 prints its name; reused while its recipe is unchanged (docs/container-image.md)
                   --suite NAME          Debian release (default: trixie)
                   --mirror URL          Debian mirror (default: debootstrap's)
                   --force               build even if the image exists`,
  doctor: () => `  doctor         what this machine offers and what it means for the suites`,
  requirements: () => `  requirements   list the requirement catalogue, grouped by spec document, with the suites covering each
                   --uncovered           only the requirements no suite tests yet
                   --never-passed REPORT… the requirements no run of these compliance.json files (or the
                                         directories runs wrote) passed, with each run's verdict and reason:
                                         failing (or failing as declared) everywhere, skipped everywhere,
                                         outside every judged spec release, mixed
                   --json                the catalogue with coverage (or, with --never-passed, the list) as JSON`,
};

const EXIT_CODES = `exit codes of run: 0 no MUST requirement failed but those the runtime's declaration names (with --baseline: no MUST regression), 1 one did or an expected
failure passed, 2 the harness could not run or left requirements unjudged (errors), 130 interrupted`;

const usage = (): string => `usage: rtconform <command> [options]

commands:
${Object.values(COMMAND_HELP).map((help) => help()).join('\n')}
  --version      print rtconform's version

rtconform <command> --help shows one command's options.

${EXIT_CODES}`;

/** `rtconform COMMAND --help`: that command's options (and, for run, its exit codes). */
function commandHelp(command: string): string {
  return `usage: rtconform ${command} [options]\n\n${COMMAND_HELP[command]!()}${command === 'run' ? `\n\n${EXIT_CODES}` : ''}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Every command answers --help (or `rtconform help COMMAND`) before it reads anything else.
  const asked = command === 'help' ? rest[0] : command;
  if (asked !== undefined && asked in COMMAND_HELP && (command === 'help' || rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`${commandHelp(asked)}\n`);
    return 0;
  }
  switch (command) {
    case 'run': {
      const { values } = parseArgs({
        args: rest,
        options: {
          runtime: { type: 'string', multiple: true },
          'runtime-config': { type: 'string', multiple: true },
          'spec-version': { type: 'string' },
          retries: { type: 'string' },
          suite: { type: 'string', multiple: true },
          out: { type: 'string' },
          'call-timeout': { type: 'string' },
          'in-container': { type: 'boolean' },
          image: { type: 'string', multiple: true },
          'cgroup-view': { type: 'string' },
          'file-sharing': { type: 'string' },
          engine: { type: 'string', multiple: true },
          baseline: { type: 'string' },
          shard: { type: 'string' },
          'run-id': { type: 'string' },
          'state-dir': { type: 'string' },
          force: { type: 'boolean' },
          quiet: { type: 'boolean', short: 'q' },
          verbose: { type: 'boolean' },
        },
        strict: true,
      });
      const { options: runOptions, engines, fileSharing } = (await import('./run-options.js')).runOptionsFrom(values);
      if (engines !== undefined) return (await import('./fan-out.js')).fanOutCommand(runOptions, engines, fileSharing);
      return (await import('./run.js')).runCommand(runOptions);
    }
    case 'image':
      return (await import('./image.js')).imageCommand(rest);
    case 'compare':
      return (await import('./compare.js')).compareCommand(rest);
    case 'report':
      return (await import('./report.js')).reportCommand(rest);
    case 'doctor':
      return (await import('./doctor.js')).doctorCommand();
    case 'requirements':
      return (await import('./requirements.js')).requirementsCommand(rest);
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
  async (error: unknown) => {
    const badArgs = error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
    const { DeclarationError } = await import('../runtime/declaration.js');
    const known = error instanceof HarnessError || error instanceof DeclarationError || badArgs;
    const command = process.argv[2];
    // An option the command does not take: say where the ones it takes are listed.
    const hint = badArgs && command !== undefined && command in COMMAND_HELP ? ` (rtconform ${command} --help lists its options)` : '';
    // Messages quote what came from outside (a declaration's install hint, a runtime's path or
    // words, a report's contents): its control characters are written out, never sent raw.
    process.stderr.write(`rtconform: ${visibleText(known ? (error as Error).message + hint : (error instanceof Error ? error.stack ?? error.message : String(error)))}\n`);
    process.exitCode = 2;
  },
);

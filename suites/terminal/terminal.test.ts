import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { logText } from '../../src/runtime/monitor.js';
import { commandPath } from '../../src/runtime/process-runner.js';
import type { ProcessSpec } from '../../src/spec/config.js';
import { waitFor } from '../../src/util/wait.js';
import { another, expectControlsDiffer } from '../control.js';

/** What the container process reports about its stdio, one line each; `done` ends it. */
const REPORT = 'for f in 0 1 2; do if [ -t $f ]; then echo "fd$f tty"; else echo "fd$f notty"; fi; done; '
  + 'echo "size $(stty size 2>/dev/null || echo none)"; echo done';

function parseReport(text: string): Record<string, string> {
  const lines = text.replace(/\r/g, '').split('\n').filter((l) => /^(fd\d|size|console|tty|console-mounts) /.test(l));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
}

/** Device numbers (hex major:minor) of /dev/console and of the terminal on stdin, and how often /dev/console is a mount point. */
const CONSOLE_REPORT = 'echo "console $(stat -c %t:%T /dev/console 2>/dev/null || echo missing)"; echo "tty $(stat -L -c %t:%T /proc/self/fd/0)"; '
  + 'echo "console-mounts $(grep -c " /dev/console " /proc/self/mountinfo)"; echo done';

/**
 * Creates and starts a container with a terminal under the monitor, as cri-o does: conmon makes
 * the console socket, receives the pty master the runtime sends there and logs what the
 * container writes to it. Returns what `report` (default REPORT) printed on the terminal.
 */
async function reportOnTerminal(ctx: RuntimeTestContext, consoleSize?: { height: number; width: number }, report = REPORT): Promise<Record<string, string>> {
  skipIfLimited(ctx, 'noProcessIsolation');
  const monitored = await ctx.monitored();
  // The process stays alive after reporting, so the pty is read before it hangs up.
  const bundle = await ctx.bundle((b) => b.shell(`${report}; exec sleep 600`).edit((c) => {
    c.process!.terminal = true;
    if (consoleSize) c.process!.consoleSize = consoleSize;
  }));
  await monitored.create(ctx.id, { bundle: bundle.dir });
  await monitored.start(ctx.id);
  const text = await waitFor(async (seen) => {
    const output = logText(await monitored.logs(ctx.id));
    seen(output);
    return /done/.test(output) ? output : undefined;
  }, { timeoutMs: 15_000, who: 'runtime', description: 'the container to report on its terminal' });
  return parseReport(text);
}

/** Runs REPORT in the foreground with stdio on files, as without a terminal. */
async function reportWithoutTerminal(ctx: RuntimeTestContext, id: string, edit: (process: ProcessSpec) => void): Promise<{ exitCode: number | undefined; report: Record<string, string> }> {
  const bundle = await ctx.bundle((b) => b.shell(REPORT).edit((c) => edit(c.process!)));
  const { exitCode } = await ctx.runtime.run(id, { bundle: bundle.dir, stdio: bundle.stdio });
  return { exitCode, report: parseReport(await bundle.output()) };
}

describeRuntimes('terminal: process.terminal, consoleSize, --console-socket, --pid-file', (requirement) => {
  requirement('config.process.terminal', 'with terminal true stdin, stdout and stderr are a terminal; without it they are not', async (ctx) => {
    const withTerminal = await reportOnTerminal(ctx);
    expect({ fd0: withTerminal.fd0, fd1: withTerminal.fd1, fd2: withTerminal.fd2 }, 'stdio with terminal: true').toEqual({ fd0: 'tty', fd1: 'tty', fd2: 'tty' });
    const without = await reportWithoutTerminal(ctx, ctx.newId(), (p) => void (p.terminal = false));
    expect({ fd0: without.report.fd0, fd1: without.report.fd1, fd2: without.report.fd2 }, 'stdio with terminal: false').toEqual({ fd0: 'notty', fd1: 'notty', fd2: 'notty' });
  });

  // No control run: without a terminal there is no pseudoterminal, and the config's /dev (a
  // tmpfs) has no /dev/console unless the runtime makes one.
  requirement('linux.default-devices.console', 'with a terminal, /dev/console is a bind mount of the process\'s pseudoterminal', async (ctx) => {
    const report = await reportOnTerminal(ctx, undefined, CONSOLE_REPORT);
    expect({ console: report.console, mounted: Number(report['console-mounts']) > 0 },
      `/dev/console against the terminal on stdin (device ${report.tty}), and whether it is a mount point`).toEqual({ console: report.tty, mounted: true });
  });

  requirement('config.process.console-size', 'consoleSize sets the rows and columns of the terminal', async (ctx) => {
    const size = { height: 37, width: 101 };
    const report = await reportOnTerminal(ctx, size);
    expect(report.size, 'stty size (rows columns) in the container').toBe(`${size.height} ${size.width}`);
    // The control: the same terminal without consoleSize.
    const control = await reportOnTerminal(another(ctx));
    expectControlsDiffer('stty size in a container with a terminal but no consoleSize', { consoleSize: `${size.height} ${size.width}` }, { consoleSize: control.size });
  });

  requirement('cli.create.console-socket', 'the terminal from --console-socket carries input to the process and its output back (typed through the monitor\'s attach socket)', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    if ((await commandPath(ctx.runner, 'socat')) === undefined) ctx.skip(`socat is not on the ${ctx.selection.target.description}: rtconform types into a container's terminal through the monitor's attach socket (SOCK_SEQPACKET) with socat (apt-get install -y socat; the runtimes image has it)`);
    const monitored = await ctx.monitored();
    const bundle = await ctx.bundle((b) => b.shell('echo ready; read line; echo "read: $line"; exec sleep 600').edit((c) => {
      c.process!.terminal = true;
    }));
    await monitored.create(ctx.id, { bundle: bundle.dir });
    await monitored.start(ctx.id);
    const output = async (): Promise<string> => logText(await monitored.logs(ctx.id));
    await waitFor(async () => ((await output()).includes('ready') ? true : undefined), { timeoutMs: 10_000, who: 'runtime', description: 'the process to be ready to read' });
    await monitored.attach(ctx.id, 'typed-in\n');
    const text = await waitFor(async (seen) => {
      const now = await output();
      seen(now);
      return now.includes('read: typed-in') ? now : undefined;
    }, { timeoutMs: 10_000, who: 'runtime', description: 'the process to read the typed line and say so' });
    expect(text).toContain('read: typed-in');
  });

  requirement('config.process.console-size-ignored', 'consoleSize without a terminal changes nothing', async (ctx) => {
    const plain = await reportWithoutTerminal(ctx, ctx.id, (p) => void (p.terminal = false));
    expect(plain, 'the container without consoleSize').toEqual({ exitCode: 0, report: { fd0: 'notty', fd1: 'notty', fd2: 'notty', size: 'none' } });
    const sized = await reportWithoutTerminal(ctx, ctx.newId(), (p) => {
      p.terminal = false;
      p.consoleSize = { height: 37, width: 101 };
    });
    expect(sized, 'exit code and stdio report with consoleSize but no terminal, against the same without consoleSize').toEqual(plain);
  });

  requirement('cli.create.pid-file', 'create --pid-file writes the pid that state reports', async (ctx) => {
    const bundle = await ctx.bundle((b) => b.args('sleep', '600'));
    const pidFile = join(ctx.workDir, 'container.pid');
    await ctx.runtime.create(ctx.id, { bundle: bundle.dir, stdio: bundle.stdio, pidFile });
    const written = (await readFile(pidFile, 'utf8').catch(() => '(no file)')).trim();
    const { pid } = await ctx.runtime.state(ctx.id);
    expect(written, 'the pid file, against the pid of state').toBe(String(pid));
  });
});

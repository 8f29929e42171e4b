/** exec: runs another process beside a container's init, on the host like the init itself. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ProcessSpec } from '../spec/config.js';
import { closeInheritedDescriptors } from '../util/procfs.js';
import { bool, str, strs, UsageError } from './args.js';
import { load, mustBe, requireId, type Command } from './command.js';
import { call, FakeError, has, pathOf } from './context.js';
import { hostCwd, lookPath } from './host-paths.js';
import { waitChild } from './processes.js';

export const execCommands = {
  exec: {
    flags: {
      detach: { type: 'boolean', short: 'd' },
      'pid-file': { type: 'string' },
      cwd: { type: 'string' },
      env: { type: 'string', short: 'e', multiple: true },
      tty: { type: 'boolean', short: 't' },
      user: { type: 'string', short: 'u' },
      process: { type: 'string', short: 'p' },
      'console-socket': { type: 'string' },
    },
    run: async (parsed, store) => {
      const c = load(store, requireId(parsed, 'exec'));
      mustBe(c, ['created', 'running'], 'exec in');
      if (bool(parsed, 'tty')) throw new FakeError('the fake runtime has no terminal support (--tty)');
      const base = c.config.process!;
      let proc: ProcessSpec;
      const processFile = str(parsed, 'process');
      if (processFile) {
        const { parseProcess } = await import('./validate.js');
        const parsedProcess = parseProcess(JSON.parse(readFileSync(pathOf(processFile), 'utf8')), processFile);
        if (typeof parsedProcess === 'string') throw new FakeError(parsedProcess);
        proc = parsedProcess;
      } else {
        const args = parsed.positionals.slice(1);
        if (args.length === 0) throw new UsageError('exec needs a command (or --process FILE)');
        proc = { ...base, args, env: [...(base.env ?? []), ...strs(parsed, 'env')], cwd: str(parsed, 'cwd') ?? base.cwd };
      }
      const env = proc.env ?? [];
      const file = lookPath(proc.args[0]!, env);
      const detach = bool(parsed, 'detach');
      // A detached process gets none of the caller's stdio, so the resident fake serves it whatever they are.
      const callerStdio = detach ? 'ignore' : call().containerStdio();
      if (call().oneShot) closeInheritedDescriptors();
      const child = spawn(file, proc.args.slice(1), {
        argv0: proc.args[0],
        cwd: hostCwd(proc.cwd, c.config, c.bundle),
        env: Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
        detached: detach || has('exec-outlives-call'),
        stdio: callerStdio,
      });
      if (child.pid === undefined) throw new FakeError(`could not exec ${proc.args[0]}`);
      store.recordExec(c.id, child.pid);
      const pidFile = str(parsed, 'pid-file');
      if (pidFile) writeFileSync(pathOf(pidFile), String(has('exec-outlives-call') ? process.pid : child.pid));
      if (detach) {
        child.unref();
        return 0;
      }
      const stopForwarding = has('exec-outlives-call') ? () => undefined : call().forwardSignals(() => child.pid);
      const code = await waitChild(child);
      stopForwarding();
      return has('exec-exit-code-lost') ? 0 : code;
    },
  },
} satisfies Record<string, Command>;

import { capText, firstLine, visibleText } from '../util/text.js';

/** How much of a runtime's own words goes into an error message (the full capped text stays on the error). */
const MESSAGE_WORDS_CAP = 2000;

/**
 * A runtime's words as an error message quotes them: capped, and with every control character
 * written out, so an escape sequence a runtime prints reaches no terminal raw (the error keeps
 * the words as they were).
 */
const quoted = (text: string, label: string): string => visibleText(capText(text, MESSAGE_WORDS_CAP, label));

/** Every error the adapter raises carries what a runtime vendor needs to reproduce it. */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
  constructor(
    readonly verb: string,
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    /** The last error-level message from the runtime's own --log file, if it wrote one. */
    readonly logError: string | undefined,
    /** What a tool the runtime ran said of the failure (CRIU's log of a checkpoint), quoted after the runtime's words. */
    readonly toolWords?: string,
  ) {
    const words = logError ?? (firstLine(stderr) || '(no output)');
    // No exit code: a signal ended the call, or a monitor ran it and reported only the words.
    super(`${argv[0] ?? 'runtime'} ${verb} failed (${exitCode === undefined ? 'no exit code' : `exit ${exitCode}`}): ${quoted(words, 'the runtime\'s words')}${toolWords === undefined ? '' : `; ${quoted(toolWords, 'the tool\'s words')}`}`);
  }
}

export class RuntimeTimeoutError extends Error {
  override name = 'RuntimeTimeoutError';
  constructor(
    readonly verb: string,
    readonly argv: readonly string[],
    readonly timeoutMs: number,
    readonly stderr: string,
    readonly logError: string | undefined,
  ) {
    super(
      `${argv[0] ?? 'runtime'} ${verb} did not finish within ${timeoutMs} ms and was killed` +
        (logError ? `; its log last said: ${quoted(logError, 'the log line')}` : '') +
        '. Raise the timeout (--call-timeout) if the runtime is just slow.',
    );
  }
}

export class RuntimeNotFoundError extends Error {
  override name = 'RuntimeNotFoundError';
  constructor(
    readonly path: string,
    readonly installHint: string | undefined,
  ) {
    super(
      `runtime binary not found or not executable: ${path}` +
        (installHint ? ` (install it with: ${installHint})` : ' (give an absolute path to a runc-compatible binary)'),
    );
  }
}

/**
 * The runtime binary could not be started at all (missing, not executable, a directory). This
 * is a problem of the setup, never the runtime refusing something: it must not count as a refusal.
 */
export class RuntimeSpawnError extends Error {
  override name = 'RuntimeSpawnError';
  constructor(
    readonly file: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(`could not start ${file}: ${cause.code ?? cause.message}` +
      (cause.code === 'ENOENT' ? ' (no such file)' : cause.code === 'EACCES' ? ' (not executable, or a directory)' : ''));
  }
}

export class RuntimeOutputError extends Error {
  override name = 'RuntimeOutputError';
  constructor(
    readonly verb: string,
    readonly argv: readonly string[],
    readonly output: string,
    readonly problem: string,
  ) {
    super(
      `${argv[0] ?? 'runtime'} ${verb} printed output that is not what the runc CLI contract expects (${quoted(problem, 'the problem')}); ` +
        `it began: ${JSON.stringify(output.slice(0, 200))}` + (output.length > 200 ? ` (${output.length} characters in all)` : ''),
    );
  }
}

export class UnsupportedOperationError extends Error {
  override name = 'UnsupportedOperationError';
  constructor(
    readonly runtime: string,
    readonly operation: string,
    readonly reason: string,
  ) {
    super(`${runtime} does not support ${operation}: ${reason}`);
  }
}

/** An exec that ran past its timeout: what it printed until then is kept, and `ended` says what was ended (the process, or only the call). */
export class ExecTimeoutError extends Error {
  override name = 'ExecTimeoutError';
  constructor(
    readonly containerId: string,
    readonly timeoutMs: number,
    readonly stdout: string,
    readonly stderr: string,
    /** What was ended at the deadline, and what may live on, in words. */
    readonly ended: string,
  ) {
    super(`exec in ${containerId} did not finish within ${timeoutMs} ms; ${ended}`);
  }
}

/** `wait`, `logs`, `attach` or an exec with a terminal on a runtime opened without a monitor: a mistake of the caller, never the runtime's. */
export class MonitorRequiredError extends Error {
  override name = 'MonitorRequiredError';
  constructor(readonly runtime: string, readonly operation: string) {
    super(`${operation} needs a monitor: open ${runtime} with { monitor: { binary: 'conmon' } } (openRuntime), which creates its containers under conmon`);
  }
}

export class ContainerWaitError extends Error {
  override name = 'ContainerWaitError';
  constructor(
    readonly containerId: string,
    readonly wanted: string,
    readonly lastStatus: string | undefined,
    readonly detail: string,
  ) {
    super(`container ${containerId} did not reach "${wanted}" (last status: ${lastStatus ?? 'unknown'}): ${detail}`);
  }
}

import { AttributedError, type Culprit } from '../util/attributed-error.js';
import { capText, firstLine, visibleText } from '../util/text.js';

/** How much of a runtime's own words goes into an error message (the full capped text stays on the error). */
const MESSAGE_WORDS_CAP = 2000;

/**
 * A runtime's words as an error message quotes them: capped, and with every control character
 * written out, so an escape sequence a runtime prints reaches no terminal raw (the error keeps
 * the words as they were).
 */
const quoted = (text: string, label: string): string => visibleText(capText(text, MESSAGE_WORDS_CAP, label));

/**
 * A call that exited non-zero (or, under a monitor, that the monitor reported failed), with what
 * a runtime vendor needs to reproduce it. `who` says whose call it was: the runtime's (the
 * default; a refusal), the monitor's (conmon failing on its own), or one of rtconform's own
 * programs run for the adapter (a script on the target, socat). A signal that ended the call
 * makes it `killed`, not a refusal.
 */
export class RuntimeError extends AttributedError {
  override name = 'RuntimeError';
  /** What a tool the runtime ran said of the failure (CRIU's log of a checkpoint), quoted after the runtime's words. */
  readonly toolWords: string | undefined;
  constructor(
    readonly verb: string,
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    /** The last error-level message from the runtime's own --log file, if it wrote one. */
    readonly logError: string | undefined,
    more: { toolWords?: string | undefined; who?: Culprit; signal?: string | undefined } = {},
  ) {
    const words = logError ?? (firstLine(stderr) || '(no output)');
    const ended = exitCode !== undefined ? `exit ${exitCode}` : more.signal !== undefined ? `killed by ${more.signal}` : 'no exit code';
    // No exit code and no signal: a monitor ran the call and reported only the words.
    super(`${argv[0] ?? 'runtime'} ${verb} failed (${ended}): ${quoted(words, 'the runtime\'s words')}${more.toolWords === undefined ? '' : `; ${quoted(more.toolWords, 'the tool\'s words')}`}`,
      more.who ?? 'runtime', exitCode === undefined && more.signal !== undefined ? 'killed' : 'refused');
    this.toolWords = more.toolWords;
  }
}

/** A call past its deadline, killed; `who` as for RuntimeError. */
export class RuntimeTimeoutError extends AttributedError {
  override name = 'RuntimeTimeoutError';
  constructor(
    readonly verb: string,
    readonly argv: readonly string[],
    readonly timeoutMs: number,
    readonly stderr: string,
    readonly logError: string | undefined,
    who: Culprit = 'runtime',
  ) {
    super(
      `${argv[0] ?? 'runtime'} ${verb} did not finish within ${timeoutMs} ms and was killed` +
        (logError ? `; its log last said: ${quoted(logError, 'the log line')}` : '') +
        '. Raise the timeout (--call-timeout) if the runtime is just slow.',
      who, 'timed-out',
    );
  }
}

export class RuntimeNotFoundError extends AttributedError {
  override name = 'RuntimeNotFoundError';
  constructor(
    readonly path: string,
    readonly installHint: string | undefined,
  ) {
    super(
      `runtime binary not found or not executable: ${path}` +
        (installHint ? ` (install it with: ${installHint})` : ' (give an absolute path to a runc-compatible binary)'),
      'runtime', 'could-not-start',
    );
  }
}

/**
 * The runtime binary could not be started at all (missing, not executable, a directory). This
 * is a problem of the setup, never the runtime refusing something: it must not count as a refusal.
 */
export class RuntimeSpawnError extends AttributedError {
  override name = 'RuntimeSpawnError';
  constructor(
    readonly file: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(`could not start ${file}: ${cause.code ?? cause.message}` +
      (cause.code === 'ENOENT' ? ' (no such file)' : cause.code === 'EACCES' ? ' (not executable, or a directory)' : ''),
    'runtime', 'could-not-start');
  }
}

/** Output a contract does not allow; `who` printed it (the runtime, or the monitor's log). */
export class RuntimeOutputError extends AttributedError {
  override name = 'RuntimeOutputError';
  constructor(
    readonly verb: string,
    readonly argv: readonly string[],
    readonly output: string,
    readonly problem: string,
    who: Culprit = 'runtime',
  ) {
    super(
      `${argv[0] ?? 'runtime'} ${verb} printed output that is not what the ${who === 'monitor' ? 'monitor\'s' : 'runc CLI'} contract expects (${quoted(problem, 'the problem')}); ` +
        `it began: ${JSON.stringify(output.slice(0, 200))}` + (output.length > 200 ? ` (${output.length} characters in all)` : ''),
      who, 'bad-output',
    );
  }
}

export class UnsupportedOperationError extends AttributedError {
  override name = 'UnsupportedOperationError';
  constructor(
    readonly runtime: string,
    readonly operation: string,
    readonly reason: string,
  ) {
    super(`${runtime} does not support ${operation}: ${reason}`, 'runtime', 'unsupported');
  }
}

/** An exec that ran past its timeout: what it printed until then is kept, and `ended` says what was ended (the process, or only the call). */
export class ExecTimeoutError extends AttributedError {
  override name = 'ExecTimeoutError';
  constructor(
    readonly containerId: string,
    readonly timeoutMs: number,
    readonly stdout: string,
    readonly stderr: string,
    /** What was ended at the deadline, and what may live on, in words. */
    readonly ended: string,
  ) {
    super(`exec in ${containerId} did not finish within ${timeoutMs} ms; ${ended}`, 'runtime', 'timed-out');
  }
}

/**
 * An exec with a terminal asked of a runtime opened without a monitor, past the types (a plain
 * Runtime's exec takes no `tty`; MonitoredRuntime's does): a mistake of the caller, never the runtime's.
 */
export class MonitorRequiredError extends AttributedError {
  override name = 'MonitorRequiredError';
  constructor(readonly runtime: string, readonly operation: string) {
    super(`${operation} needs a monitor: open ${runtime} with { monitor: { binary: 'conmon' } } (openRuntime), which creates its containers under conmon`, 'rtconform', 'misuse');
  }
}

/** A container that never reached a status: the runtime's doing (the wait only watched). */
export class ContainerWaitError extends AttributedError {
  override name = 'ContainerWaitError';
  constructor(
    readonly containerId: string,
    readonly wanted: string,
    readonly lastStatus: string | undefined,
    readonly detail: string,
  ) {
    super(`container ${containerId} did not reach "${wanted}" (last status: ${lastStatus ?? 'unknown'}): ${detail}`, 'runtime', 'timed-out');
  }
}

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
  ) {
    const words = logError ?? firstLine(stderr) ?? '(no output)';
    super(`${argv[0] ?? 'runtime'} ${verb} failed (exit ${exitCode ?? 'signal'}): ${words}`);
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
        (logError ? `; its log last said: ${logError}` : '') +
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

export class RuntimeOutputError extends Error {
  override name = 'RuntimeOutputError';
  constructor(
    readonly verb: string,
    readonly argv: readonly string[],
    readonly output: string,
    readonly problem: string,
  ) {
    super(
      `${argv[0] ?? 'runtime'} ${verb} printed output that is not what the runc CLI contract expects (${problem}); ` +
        `it began: ${JSON.stringify(output.slice(0, 200))}`,
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

/** An exec that ran past its timeout: the process was killed, what it printed until then is kept. */
export class ExecTimeoutError extends Error {
  override name = 'ExecTimeoutError';
  constructor(
    readonly containerId: string,
    readonly timeoutMs: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`exec in ${containerId} did not finish within ${timeoutMs} ms; the process was killed`);
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

function firstLine(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line?.trim();
}

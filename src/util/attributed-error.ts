/**
 * Who failed: the runtime under test, the monitor rtconform runs it under (conmon), or
 * rtconform itself (its scripts on the target, socat, the file bridge, its wait helpers, a bug).
 */
export type Culprit = 'runtime' | 'monitor' | 'rtconform';

/**
 * How it failed:
 * - `refused`: a call exited non-zero (a runtime's refusal is its answer to a call it must refuse);
 * - `timed-out`: a call, an exec'd process or a wait ran past its deadline;
 * - `bad-output`: it printed what its contract does not allow (or, for the probe, stopped printing);
 * - `could-not-start`: the program could not be started at all (missing, not executable);
 * - `killed`: a signal ended it before it answered;
 * - `unsupported`: it lacks the operation (declared, or found out);
 * - `misuse`: the caller asked for what cannot be (an operation the runtime was not opened for).
 */
export type FailureKind = 'refused' | 'timed-out' | 'bad-output' | 'could-not-start' | 'killed' | 'unsupported' | 'misuse';

/**
 * The base of every error rtconform's adapter and fixtures raise about a call: it says who failed
 * and how, in fields that survive vitest's serialization to the reporter, where the verdict is
 * read from them (report/outcome.ts), never from class names.
 */
export class AttributedError extends Error {
  override name = 'AttributedError';
  constructor(
    message: string,
    readonly who: Culprit,
    readonly how: FailureKind,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Whether an error (or vitest's serialized copy of one) says the runtime under test did wrong:
 * it refused, hung, printed what it must not, or was killed. A runtime binary that cannot be
 * started, or an operation it lacks, is the run's setup, never a verdict on the runtime.
 */
export function blamesRuntime(error: { who?: unknown; how?: unknown }): boolean {
  return error.who === 'runtime' && error.how !== 'could-not-start' && error.how !== 'unsupported';
}

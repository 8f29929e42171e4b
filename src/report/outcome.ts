import { inspect } from 'node:util';
import type { TestError } from 'vitest';
import { capText } from '../util/text.js';
import type { TestOutcome } from './compliance.js';
import { blamesRuntime } from '../util/attributed-error.js';

/** Characters of a reason kept in a report (a runtime may put megabytes into one error line). */
export const REASON_CAP = 16 * 1024;
/** Characters of each side of a failed comparison kept in a report. */
export const EVIDENCE_CAP = 8 * 1024;

/**
 * vitest's number matchers throw a TypeError when the value compared is not a number: there,
 * the value came from the runtime (a pid it left out), so it is an assertion that failed.
 */
const MATCHER_TYPE_ERROR = /^(actual|expected) value must be /;

/** An error as a test threw it, or as vitest serialized it for the reporter (own fields kept). */
export interface ThrownError { name?: string | undefined; message?: string | undefined; who?: unknown; how?: unknown }

/**
 * Whether a test's error means the runtime did something wrong: an assertion on what it did, or
 * an error that says the runtime failed (AttributedError's `who` and `how`: it refused, hung,
 * printed what its contract does not allow, never reached a state, stopped the probe). Anything
 * else is rtconform's own machinery failing (its scripts, its helpers, the monitor, a parse of
 * our own probe, a bug, a runtime binary that cannot even be started): an `error`, never the
 * runtime's `fail`.
 */
export function isRuntimeFailure(error: ThrownError): boolean {
  if (error.name === 'AssertionError') return true;
  if (error.name === 'TypeError') return MATCHER_TYPE_ERROR.test(error.message ?? '');
  return blamesRuntime(error);
}

/** A failed test's status, reason and compared values, from the errors vitest recorded. */
export function outcomeOfFailure(errors: readonly TestError[]): Pick<TestOutcome, 'status' | 'reason' | 'expected' | 'actual'> {
  // The first error is the test's own; later ones come from its cleanup.
  const runtimeFault = errors[0] !== undefined && isRuntimeFailure(errors[0]);
  // An assertion carries both sides of the comparison: the evidence a reader wants first.
  const compared = errors.find((e) => e.expected !== undefined || e.actual !== undefined);
  const words = errors.map((e) => (runtimeFault || e.name === undefined ? e.message : `${e.name}: ${e.message}`)).join('\n');
  return {
    status: runtimeFault ? 'fail' : 'error',
    reason: reasonText(words || 'failed'),
    ...(compared?.expected === undefined ? {} : { expected: evidenceText(compared.expected) }),
    ...(compared?.actual === undefined ? {} : { actual: evidenceText(compared.actual) }),
  };
}

export function reasonText(text: string): string {
  return capText(text, REASON_CAP, 'the reason');
}

/** Any value as report text: strings as they are, the rest as JSON (or inspected), capped. */
export function evidenceText(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value, null, 2) ?? inspect(value);
    } catch {
      text = inspect(value, { depth: 4 });
    }
  }
  return capText(text, EVIDENCE_CAP, 'the value');
}

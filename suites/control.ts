/**
 * Controls: what a check reads without the entries a test configures. A test can fail for an
 * entry (a masked path, a sysctl, a mount option, a cgroup value…) only where the container
 * reads otherwise without it than the test expects with it; where it reads the same, a runtime
 * that ignored the entry would pass. Each test compares its control with what it expects, entry
 * by entry, after its own assertions (a runtime that got an entry wrong fails on those first).
 */
import { isDeepStrictEqual } from 'node:util';
import type { BundleBuilder } from '../src/bundle/bundle-builder.js';
import type { RuntimeTestContext } from '../src/fixtures/test-context.js';
import { RuntimeError } from '../src/runtime/errors.js';

/**
 * The harness could not make a control that differs from what the test expects: the test proves
 * nothing for the entries it names. An error of rtconform's (the report's `error`), never the
 * runtime's failure: it is not one of the errors outcome.ts counts against the runtime.
 */
export class ControlError extends Error {
  override name = 'ControlError';
}

/** The entries (keys of `expected`) whose control reads what the test expects with them. */
export function sameWithout(expected: Record<string, unknown>, control: Record<string, unknown>): string[] {
  return Object.keys(expected).filter((entry) => isDeepStrictEqual(expected[entry], control[entry]));
}

function sameText(entries: string[], control: Record<string, unknown>): string {
  return entries.map((e) => `${e} (${JSON.stringify(control[e]) ?? 'nothing'})`).join(', ');
}

/**
 * Throws a ControlError naming each entry of `expected` whose control (keyed the same) reads
 * what the test expects with it: the harness's own setup failed to make the difference.
 */
export function expectControlsDiffer(what: string, expected: Record<string, unknown>, control: Record<string, unknown>): void {
  const same = sameWithout(expected, control);
  if (same.length === 0) return;
  throw new ControlError(`${what}: without the entry the control reads what the test expects with it, for ${sameText(same, control)}, `
    + 'so the test could not fail for it; the harness must make a control that differs');
}

/**
 * Skips, naming each entry of `expected` whose control reads what the test expects with it: where
 * that is a property of the machine or of the runtime (a kernel's default, a runtime's own
 * default), the entry cannot be checked here.
 */
export function skipWhereControlsSame(ctx: Pick<RuntimeTestContext, 'skip'>, what: string, expected: Record<string, unknown>, control: Record<string, unknown>, why: string): void {
  const same = sameWithout(expected, control);
  if (same.length === 0) return;
  ctx.skip(`${what}: without the entry the container reads what the test expects with it, for ${sameText(same, control)} (${why}), `
    + 'so the test cannot tell whether the runtime applied it');
}

/**
 * The control of a refusal: the config without the entry the runtime must refuse is created.
 * Where even that is refused, the refusal said nothing about the entry: a ControlError. Called
 * after the refusal was checked; the container it makes is removed with the test's others.
 */
export async function acceptedWithout(ctx: RuntimeTestContext, entry: string, configure: (builder: BundleBuilder) => BundleBuilder): Promise<void> {
  const b = await ctx.bundle(configure);
  try {
    await ctx.runtime.create(ctx.newId(), { bundle: b.dir, stdio: b.stdio });
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    throw new ControlError(`the same config without ${entry} is refused too, so the refusal says nothing of ${entry}: ${error.message}`);
  }
}

/** The same test context with a fresh container id: for a control run beside the test's own. */
export const another = <T extends Pick<RuntimeTestContext, 'newId'>>(ctx: T): T & { id: string } => ({ ...ctx, id: ctx.newId() });

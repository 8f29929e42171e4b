import { resolveRuntime, type ResolvedRuntime } from '../src/runtime/resolve.js';

/** A runtime to measure, or undefined after saying why it is skipped (not installed, or needs root). */
export function installed(name: string): ResolvedRuntime | undefined {
  try {
    const resolved = resolveRuntime(name);
    if (resolved.profile.needsRoot && process.getuid?.() !== 0) {
      console.log(`${name}: skipped (needs root)`);
      return undefined;
    }
    return resolved;
  } catch (error) {
    console.log(`${name}: skipped (${(error as Error).message})`);
    return undefined;
  }
}

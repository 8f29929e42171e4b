import { resolveRuntime } from '../../runtime/resolve.js';
import { isRoot } from '../../util/is-root.js';

/** Whether the CLI's tests can drive runc on the host: runc on PATH, and root to run it. */
export function runcOnHost(): boolean {
  try {
    resolveRuntime('runc');
    return isRoot();
  } catch {
    return false;
  }
}

import type { RuntimeSelection } from '../fixtures/selection.js';
import type { RuntimeVersion } from '../runtime/runtime.js';

/** What `rtconform run` hands the process that runs vitest. */
export interface ChildOptions {
  suites: string[];
  outDir: string;
  toolVersion: string;
  selections: RuntimeSelection[];
  versions: [string, RuntimeVersion][];
}

export const CHILD_OPTIONS_ENV = 'RTCONFORM_CHILD_OPTIONS';


/** What `rtconform run` hands the process that runs vitest. */
export interface ChildOptions {
  suites: string[];
  outDir: string;
  toolVersion: string;
  /** vitest's --shard, "I/N". */
  shard?: string;
}

export const CHILD_OPTIONS_ENV = 'RTCONFORM_CHILD_OPTIONS';

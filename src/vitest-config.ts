/**
 * vitest settings that run test files written with `rtconform/vitest` against the runtimes you
 * name, and write compliance.json (and the other reports) for them:
 *
 *   // vitest.config.ts
 *   import { defineConfig } from 'vitest/config';
 *   import { rtconformTestConfig } from 'rtconform/vitest-config';
 *   export default defineConfig({ test: { include: ['conformance/*.test.ts'], ...rtconformTestConfig({ runtimes: ['runc'] }) } });
 */
import { resolve } from 'node:path';
import type { TestUserConfig } from 'vitest/node';
import { makePlan, planHostRuntime } from './harness/plan.js';
import { vitestSettings } from './harness/vitest-settings.js';
import { toolVersion } from './package-root.js';

export interface RtconformTestOptions {
  /** Runtimes on this machine: names (fake, runc, crun, runsc), binaries or declaration files. Default: the fake. */
  runtimes?: string[];
  /** Where the reports go; default reports/rtconform. */
  outDir?: string;
  /** Judge against this runtime-spec release instead of the one each runtime claims. */
  specVersion?: string;
  /** Limit for one runtime call; default 30 s. */
  callTimeoutMs?: number;
  /** How many times a failed test runs again. */
  retries?: number;
}

export function rtconformTestConfig(options: RtconformTestOptions = {}): TestUserConfig {
  const plan = makePlan({
    toolVersion: toolVersion(),
    outDir: resolve(options.outDir ?? 'reports/rtconform'),
    testFiles: [],
    host: (options.runtimes ?? ['fake']).map((r) => planHostRuntime(r)),
    ...(options.specVersion === undefined ? {} : { specVersion: options.specVersion }),
    ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
  });
  return vitestSettings(plan);
}

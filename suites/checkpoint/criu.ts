import { join } from 'node:path';
import type { RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { probeCriu, type CriuProbe } from '../../src/runtime/criu-probe.js';
import type { ProcessRunner } from '../../src/runtime/process-runner.js';

/** One CRIU probe per runtime selection and worker: whether CRIU can dump a process there does not change in a run. */
const probes = new Map<string, Promise<CriuProbe>>();

/**
 * The probe dumps a process it starts with `setsid … &` at once; on a loaded machine the dump can
 * come before the child has called setsid, and CRIU refuses a root process that is not a session
 * leader. That says nothing of CRIU, so the probe is tried again (three times in all).
 */
async function probe(runner: ProcessRunner, scratchDir: string): Promise<CriuProbe> {
  let result = await probeCriu(runner, scratchDir);
  for (let attempt = 1; attempt < 3 && !result.usable && /is not a session leader/.test(result.reason); attempt++) {
    result = await probeCriu(runner, scratchDir);
  }
  return result;
}

/** Skips, quoting CRIU's own error, where CRIU itself cannot dump a process. */
export async function requireCriu(ctx: RuntimeTestContext): Promise<void> {
  if (!ctx.runtime.profile.usesCriu) return;
  let probed = probes.get(ctx.selection.key);
  if (!probed) {
    probed = probe(ctx.runner, join(ctx.workDir, 'criu-probe'));
    probes.set(ctx.selection.key, probed);
  }
  const result = await probed;
  if (!result.usable) ctx.skip(`CRIU not usable: ${result.reason}`);
}

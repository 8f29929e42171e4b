import { join } from 'node:path';
import type { RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { probeCriu, type CriuProbe } from '../../src/runtime/criu-probe.js';

/** One CRIU probe per runtime selection and worker: whether CRIU can dump a process there does not change in a run. */
const probes = new Map<string, Promise<CriuProbe>>();

/** Skips, quoting CRIU's own error, where CRIU itself cannot dump a process. */
export async function requireCriu(ctx: RuntimeTestContext): Promise<void> {
  if (!ctx.runtime.profile.usesCriu) return;
  let probed = probes.get(ctx.selection.key);
  if (!probed) {
    probed = probeCriu(ctx.runner, join(ctx.workDir, 'criu-probe'));
    probes.set(ctx.selection.key, probed);
  }
  const result = await probed;
  if (!result.usable) ctx.skip(`CRIU not usable: ${result.reason}`);
}

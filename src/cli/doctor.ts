import { fileSharingFor, findSftpServer } from '../container/file-bridge.js';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { pingEngine } from '../container/engine.js';
import { DEFAULT_RECIPE, defaultImageName, imageExists, imageNameFor, MATRIX_SUITES } from '../container/runtimes-image.js';
import { startTargetContainer, type TargetContainer } from '../container/target-container.js';
import { probeCriu } from '../runtime/criu-probe.js';
import { commandPath, HostProcessRunner, type ProcessRunner } from '../runtime/process-runner.js';
import { findBusybox } from '../bundle/rootfs.js';
import { isRoot } from '../util/is-root.js';
import { cgroupLayout, type CgroupLayout } from '../util/cgroup-layout.js';
import { RuntimeNotFoundError } from '../runtime/errors.js';
import { visibleText } from '../util/text.js';
import { openRuntime, resolveRuntime } from '../runtime/resolve.js';

export interface Finding {
  what: string;
  status: 'ok' | 'missing' | 'limited';
  detail: string;
  meaning: string;
}

async function runtimeFinding(name: string, layout: CgroupLayout, workDir: string): Promise<Finding> {
  try {
    const resolved = resolveRuntime(name);
    const runtime = openRuntime(resolved, { workDir, callTimeoutMs: 10_000 });
    const version = await runtime.version();
    const label = `${version.version ?? '?'} at ${resolved.binary}`;
    if (resolved.profile.needsRoot && !isRoot()) {
      return { what: name, status: 'limited', detail: label, meaning: `needs root: its suites are skipped unless rtconform runs as root` };
    }
    if (resolved.profile.refusesHybridCgroups && layout === 'hybrid') {
      return { what: name, status: 'limited', detail: label, meaning: 'crun refuses the hybrid cgroup layout on the host ("cgroups in hybrid mode not supported"): run it in a container target' };
    }
    return { what: name, status: 'ok', detail: label, meaning: `rtconform run --runtime ${name} runs every suite` };
  } catch (error) {
    const detail = error instanceof RuntimeNotFoundError ? error.message : `unusable: ${(error as Error).message}`;
    return { what: name, status: 'missing', detail, meaning: `its suites cannot run here` };
  }
}

/** The helpers some suites need where the runtime runs: conmon (the monitor) and socat (typing into its terminals). */
const HELPERS = [
  { name: 'conmon', meaning: 'the monitor\'s suites (exit status, logs, terminals, OOM seen by the monitor)' },
  { name: 'socat', meaning: 'typing into a monitored container\'s terminal (cli.create.console-socket) and, in the image, the TCP checkpoint test' },
];

export async function helperFindings(runner: ProcessRunner, where: 'host' | 'image', helpers = HELPERS): Promise<Finding[]> {
  return Promise.all(helpers.map(async ({ name, meaning }) => {
    const path = await commandPath(runner, name);
    return path
      ? { what: `${name} (${where})`, status: 'ok' as const, detail: path, meaning: `${meaning}: they run ${where === 'host' ? 'on the host' : 'in containers'}` }
      : { what: `${name} (${where})`, status: 'missing' as const, detail: where === 'host' ? `not found (apt-get install -y ${name})` : 'not in the image', meaning: `${meaning}: they skip, saying so` };
  }));
}

async function criuFinding(runner: ProcessRunner, where: 'host' | 'image', scratch: string): Promise<Finding> {
  const probe = await probeCriu(runner, scratch);
  const place = where === 'host' ? 'on the host' : 'in target containers';
  return probe.usable
    ? { what: `CRIU (${where})`, status: 'ok', detail: `${probe.version.replace(/^Version:\s*/, 'criu ')}: dumps a test process`, meaning: `checkpoint/restore suites run for real ${place}` }
    : { what: `CRIU (${where})`, status: 'limited', detail: probe.reason, meaning: `checkpoint/restore requirements are skipped ${place}, with this reason` };
}

const brief = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `…${text.slice(-200)}` : text;
};

/** The engine, the image, whether --privileged works, and what the image holds. */
async function containerFindings(scratch: string): Promise<Finding[]> {
  const meaning = 'needed for --in-container (runc and crun inside a privileged container)';
  const ping = await pingEngine();
  if (!ping.reachable) return [{ what: 'Docker engine', status: 'missing', detail: ping.reason, meaning }];
  const findings: Finding[] = [{ what: 'Docker engine', status: 'ok', detail: `${ping.version} at ${ping.host}`, meaning }];
  if (fileSharingFor(ping.host) === 'bridge') {
    const sftpServer = findSftpServer();
    const bridge = 'the engine is not a local socket: the run dir reaches its containers over the file bridge';
    findings.push(sftpServer
      ? { what: 'sftp-server (host)', status: 'ok', detail: sftpServer, meaning: bridge }
      : { what: 'sftp-server (host)', status: 'missing', detail: 'not found (apt-get install -y openssh-sftp-server)', meaning: `${bridge}, which needs it` });
    if (!sftpServer) return findings;
  }
  const image = defaultImageName();
  // The other image of the self-test's release matrix: today's runc and crun.
  for (const suite of MATRIX_SUITES.filter((suite) => suite !== DEFAULT_RECIPE.suite)) {
    const other = imageNameFor({ ...DEFAULT_RECIPE, suite });
    findings.push(await imageExists(other)
      ? { what: `image (${suite})`, status: 'ok', detail: other, meaning: `a release matrix: --image ${image} --image ${other}; npm test runs runc and crun in both` }
      : { what: `image (${suite})`, status: 'missing', detail: `${other} not built`, meaning: `run \`rtconform image build --suite ${suite}\` for a release matrix (npm test's container targets of ${suite} skip without it)` });
  }
  if (!(await imageExists(image))) {
    findings.push({ what: 'image', status: 'missing', detail: `${image} not built`, meaning: 'run `rtconform image build` (or give your own with --image)' });
    return findings;
  }
  findings.push({ what: 'image', status: 'ok', detail: image, meaning: 'the default image of --in-container' });
  const options = { image, cgroupView: 'host' as const, runId: `doctor-${process.pid}`, shared: [scratch], hideUnifiedCgroup: cgroupLayout() === 'hybrid' };
  let container: TargetContainer;
  try {
    container = await startTargetContainer({ ...options, privilege: 'privileged' });
    findings.push({ what: 'privileged', status: 'ok', detail: 'docker run --privileged works', meaning: 'target containers run privileged' });
  } catch (error) {
    try {
      container = await startTargetContainer({ ...options, privilege: 'capabilities' });
    } catch (fallbackError) {
      findings.push({ what: 'privileged', status: 'missing', detail: `refused (${brief(error)}); the capability set too (${brief(fallbackError)})`, meaning: 'no container target can run here' });
      return findings;
    }
    findings.push({
      what: 'privileged', status: 'limited', detail: `refused: ${brief(error)}`,
      meaning: 'target containers get every capability but SYS_RESOURCE, no seccomp/AppArmor, no masked paths: the run says so',
    });
  }
  try {
    const runner = await container.runner(join(scratch, 'calls'));
    for (const name of ['runc', 'crun']) {
      const binary = await commandPath(runner, name);
      const version = binary ? (await runner.run(binary, ['--version'], { timeoutMs: 10_000 })).stdout.split('\n')[0] : undefined;
      findings.push(binary
        ? { what: `${name} (image)`, status: 'ok', detail: `${version ?? '?'} at ${binary}`, meaning: `rtconform run --in-container --runtime ${name}` }
        : { what: `${name} (image)`, status: 'missing', detail: `not in ${image}`, meaning: `its container suites cannot run with this image` });
    }
    findings.push(await criuFinding(runner, 'image', join(scratch, 'criu-image')));
    findings.push(...(await helperFindings(runner, 'image')));
  } finally {
    await container.stop();
  }
  return findings;
}

export async function doctorCommand(out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const scratch = await dir({ prefix: 'rtconform-doctor-', unsafeCleanup: true });
  const layout = cgroupLayout();
  const busybox = findBusybox();
  const findings: Finding[] = [
    { what: 'user', status: isRoot() ? 'ok' : 'limited', detail: isRoot() ? 'root' : `uid ${process.getuid?.() ?? '?'}`, meaning: isRoot() ? 'real runtimes can run' : 'only the fake runtime can run' },
    { what: 'cgroups', status: layout === 'none' ? 'missing' : 'ok', detail: `${layout} layout`, meaning: layout === 'hybrid' ? 'runc works; crun needs a container target or a v1-only view' : 'runtimes can manage cgroups' },
    { what: 'busybox', status: busybox ? 'ok' : 'missing', detail: busybox ?? 'not found (apt-get install -y busybox-static)', meaning: 'the rootfs of every bundle for real runtimes' },
    ...(await Promise.all(['fake', 'runc', 'crun', 'runsc'].map((n) => runtimeFinding(n, layout, join(scratch.path, `runtime-${n}`))))),
    await criuFinding(new HostProcessRunner(), 'host', join(scratch.path, 'criu-host')),
    ...(await helperFindings(new HostProcessRunner(), 'host')),
    ...(await containerFindings(scratch.path)),
  ];
  await scratch.cleanup();
  out.write(formatFindings(findings));
  return 0;
}

/**
 * Doctor's lines. Details quote what the machine holds (a runtime's path and its --version, an
 * engine's or CRIU's words): their control characters are written out, never sent raw.
 */
export function formatFindings(findings: readonly Finding[]): string {
  const mark = { ok: 'ok     ', missing: 'missing', limited: 'limited' } as const;
  return findings.map((f) => `${mark[f.status]}  ${visibleText(f.what).padEnd(14)} ${visibleText(f.detail)}\n         ${''.padEnd(14)} → ${visibleText(f.meaning)}\n`).join('');
}

import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { findBusybox } from '../fixtures/rootfs.js';
import { isRoot } from '../fixtures/selection.js';
import { cgroupLayout, type CgroupLayout } from '../util/cgroup-layout.js';
import { RuntimeNotFoundError } from '../runtime/errors.js';
import { openRuntime, resolveRuntime } from '../runtime/resolve.js';

interface Finding {
  what: string;
  status: 'ok' | 'missing' | 'limited';
  detail: string;
  meaning: string;
}

async function runtimeFinding(name: string, layout: CgroupLayout): Promise<Finding> {
  try {
    const resolved = resolveRuntime(name);
    const runtime = openRuntime(resolved, { workDir: join(tmpdir(), 'rtconform-doctor'), callTimeoutMs: 10_000 });
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

async function criuFinding(): Promise<Finding> {
  const version = await execa('criu', ['--version'], { reject: false, timeout: 10_000 });
  if (version.failed) return { what: 'CRIU', status: 'missing', detail: 'criu not installed (apt-get install -y criu)', meaning: 'checkpoint/restore requirements are skipped' };
  const check = await execa('criu', ['check'], { reject: false, timeout: 20_000, all: true });
  const words = (check.all ?? '').trim().split('\n').slice(-1)[0] ?? '';
  return {
    what: 'CRIU',
    status: check.exitCode === 0 ? 'ok' : 'limited',
    detail: `${version.stdout.split('\n')[0] ?? ''}; criu check: ${words || `exit ${check.exitCode}`}`,
    meaning: check.exitCode === 0
      ? 'checkpoint/restore can be attempted on the host (CRIU may still fail on kernels newer than it knows)'
      : 'checkpoint/restore cannot work on the host: those requirements are skipped with this reason',
  };
}

function dockerFinding(): Promise<Finding> {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const meaning = 'needed for the privileged-container target';
  if (!host.startsWith('unix://')) return Promise.resolve({ what: 'Docker engine', status: 'limited', detail: `DOCKER_HOST=${host} (not checked: only unix sockets are probed)`, meaning });
  const socketPath = host.slice('unix://'.length);
  return new Promise((resolvePromise) => {
    const req = request({ socketPath, path: '/_ping', timeout: 3000 }, (res) => {
      res.resume();
      resolvePromise({ what: 'Docker engine', status: res.statusCode === 200 ? 'ok' : 'limited', detail: `${socketPath} answered ${res.statusCode}`, meaning });
    });
    req.on('error', (e) => resolvePromise({ what: 'Docker engine', status: 'missing', detail: `not reachable at ${socketPath}: ${e.message}`, meaning }));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

export async function doctorCommand(out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const layout = cgroupLayout();
  const busybox = findBusybox();
  const findings: Finding[] = [
    { what: 'user', status: isRoot() ? 'ok' : 'limited', detail: isRoot() ? 'root' : `uid ${process.getuid?.() ?? '?'}`, meaning: isRoot() ? 'real runtimes can run' : 'only the fake runtime can run' },
    { what: 'cgroups', status: layout === 'none' ? 'missing' : 'ok', detail: `${layout} layout`, meaning: layout === 'hybrid' ? 'runc works; crun needs a container target or a v1-only view' : 'runtimes can manage cgroups' },
    { what: 'busybox', status: busybox ? 'ok' : 'missing', detail: busybox ?? 'not found (apt-get install -y busybox-static)', meaning: 'the rootfs of every bundle for real runtimes' },
    ...(await Promise.all(['fake', 'runc', 'crun', 'runsc'].map((n) => runtimeFinding(n, layout)))),
    await criuFinding(),
    await dockerFinding(),
  ];
  const mark = { ok: 'ok     ', missing: 'missing', limited: 'limited' } as const;
  out.write(findings.map((f) => `${mark[f.status]}  ${f.what.padEnd(14)} ${f.detail}\n         ${''.padEnd(14)} → ${f.meaning}\n`).join(''));
  return 0;
}

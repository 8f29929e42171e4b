import { hostname } from 'node:os';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { attachRunner, type ContainerProcessRunner } from './container-process-runner.js';
import { dockerHost, engineClient, type Dockerode } from './engine.js';
import { FileBridgeError, fileSharingFor, startFileBridge, type FileBridge, type FileSharing } from './file-bridge.js';
import { imageExists } from './runtimes-image.js';

/**
 * How the container sees cgroups. `host`: the host's hierarchy, shared (limits are enforced
 * through whatever controllers the host has). `private`: its own cgroup namespace with a
 * cgroup2 mount, as a runtime sees it on a pure cgroup v2 machine.
 */
export type CgroupView = 'host' | 'private';
export const CGROUP_VIEWS: readonly CgroupView[] = ['host', 'private'];

/** `privileged` when the engine grants it; else every capability the host's bounding set allows. */
export type Privilege = 'privileged' | 'capabilities';

export const LABEL = {
  role: 'org.rtconform.role',
  run: 'org.rtconform.run',
  ownerPid: 'org.rtconform.owner-pid',
  ownerHost: 'org.rtconform.owner-host',
} as const;

export interface TargetContainerOptions {
  image: string;
  cgroupView: CgroupView;
  runId: string;
  /** Host directories shared at the same path inside, so bundle paths mean the same on both sides. */
  shared: readonly string[];
  /** How they are shared: bind mounts (a local engine), or the file bridge (any engine). Default: from the engine's address. */
  fileSharing?: FileSharing;
  /**
   * Hide the cgroup2 part of a hybrid host layout (crun refuses hybrid layouts: with it hidden
   * it sees, and uses, pure cgroup v1).
   */
  hideUnifiedCgroup: boolean;
  /** Skip the privileged attempt when an earlier start already learned the engine refuses it. */
  privilege?: Privilege;
}

export interface TargetContainer {
  readonly id: string;
  readonly image: string;
  readonly cgroupView: CgroupView;
  readonly privilege: Privilege;
  readonly fileSharing: FileSharing;
  readonly description: string;
  /** Runs commands inside it; `callDir` (pid and input files of calls) must be in a dir shared with it. */
  runner(callDir: string): Promise<ContainerProcessRunner>;
  stop(): Promise<void>;
}

export class ImageMissingError extends Error {
  override name = 'ImageMissingError';
  constructor(image: string) {
    super(`image ${image} is not in the Docker engine: build it with \`rtconform image build\`, or give your own with --image NAME (nothing is pulled)`);
  }
}

/** Engine API 1.41 has it; dockerode's types do not yet. */
type HostConfig = NonNullable<Parameters<Dockerode['createContainer']>[0]['HostConfig']> & { CgroupnsMode?: 'host' | 'private' };

/** Makes the container's own cgroup2 mount, says so, then idles: runtime calls come in through its agent (or exec). */
const READY = 'rtconform-target-ready';
const PRIVATE_CGROUP2_INIT = `umount -R /sys/fs/cgroup 2>/dev/null; mount -t cgroup2 none /sys/fs/cgroup && echo ${READY} && exec sleep infinity`;

async function definition(options: TargetContainerOptions & { fileSharing: FileSharing }, privilege: Privilege): Promise<GenericContainer> {
  // Loaded on first use: a run without containers does not pay its 0.3 s of start-up per process.
  const { GenericContainer, Wait } = await import('testcontainers');
  /** Exposes the create options testcontainers has no builder method for. */
  class RuntimeTargetContainer extends GenericContainer {
    withHostConfig(extra: HostConfig): this {
      Object.assign(this.hostConfig, extra);
      return this;
    }
  }
  const hostView = options.cgroupView === 'host';
  // The cgroup hierarchy is the engine's machine's own, wherever that is: a bind mount even for a remote engine.
  const shared = [...(options.fileSharing === 'bind' ? options.shared : []), ...(hostView ? ['/sys/fs/cgroup'] : [])];
  const container = new RuntimeTargetContainer(options.image)
    .withPullPolicy({ shouldPull: () => false })
    .withAutoCleanup(false)
    .withLabels({
      [LABEL.role]: 'target',
      [LABEL.run]: options.runId,
      [LABEL.ownerPid]: String(process.pid),
      [LABEL.ownerHost]: hostname(),
    })
    .withNetworkMode('none')
    .withTmpFs({ '/run': 'rw,exec', '/tmp': 'rw,exec', ...(hostView && options.hideUnifiedCgroup ? { '/sys/fs/cgroup/unified': 'rw' } : {}) })
    // One call: each call replaces the binds of the one before.
    .withBindMounts(shared.map((path) => ({ source: path, target: path, mode: 'rw' as const })))
    // Init: a container's init is reparented to pid 1 once the runtime's create returns, and
    // `sleep` as pid 1 would never reap it: exited containers would stay zombies.
    .withHostConfig({ CgroupnsMode: hostView ? 'host' : 'private', Init: true })
    .withCommand(hostView ? ['sleep', 'infinity'] : ['sh', '-c', PRIVATE_CGROUP2_INIT])
    .withStartupTimeout(30_000);
  // Started only once the cgroup2 mount is there, not merely once the process runs.
  if (!hostView) container.withWaitStrategy(Wait.forLogMessage(READY));
  if (privilege === 'privileged') return container.withPrivilegedMode();
  // What `--privileged` would give, minus CAP_SYS_RESOURCE when the host's bounding set lacks it
  // (then docker cannot apply it and refuses to start: "unable to apply caps").
  return container
    .withAddedCapabilities('ALL')
    .withDroppedCapabilities('SYS_RESOURCE')
    .withSecurityOpt('seccomp=unconfined', 'apparmor=unconfined')
    .withHostConfig({
      MaskedPaths: [], ReadonlyPaths: [], DeviceCgroupRules: ['a *:* rwm'],
      // The file bridge's sshfs needs FUSE (privileged containers have every device).
      Devices: options.fileSharing === 'bridge' ? [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }] : [],
    });
}

/** Starts a target container: privileged if the engine allows it, else the capability set. */
export async function startTargetContainer(given: TargetContainerOptions): Promise<TargetContainer> {
  const options = { ...given, fileSharing: given.fileSharing ?? fileSharingFor(dockerHost()) };
  if (!(await imageExists(options.image))) throw new ImageMissingError(options.image);
  const attempts: Privilege[] = options.privilege ? [options.privilege] : ['privileged', 'capabilities'];
  let lastError: unknown;
  for (const privilege of attempts) {
    try {
      const started = await (await definition(options, privilege)).start();
      const bridges: FileBridge[] = [];
      try {
        if (options.fileSharing === 'bridge') {
          const docker = (await engineClient()).container.dockerode;
          for (const dir of options.shared) bridges.push(await startFileBridge(docker, started.getId(), dir));
        }
      } catch (error) {
        await Promise.all(bridges.map((b) => b.stop()));
        await removeContainers({ [LABEL.run]: options.runId }, { ids: [started.getId()] });
        // Not a refusal of the privilege: the fallback would fail the same way.
        throw error;
      }
      return described(started, options, privilege, bridges);
    } catch (error) {
      if (error instanceof FileBridgeError) throw error;
      lastError = error;
      // A failed start leaves a created container behind.
      await removeContainers({ [LABEL.run]: options.runId, [LABEL.ownerPid]: String(process.pid) }, { onlyStopped: true });
    }
  }
  throw new Error(`could not start a container from ${options.image}: ${(lastError as Error).message}`);
}

function described(started: StartedTestContainer, options: TargetContainerOptions & { fileSharing: FileSharing }, privilege: Privilege, bridges: FileBridge[]): TargetContainer {
  const view = options.cgroupView === 'host'
    ? `host cgroups${options.hideUnifiedCgroup ? ', cgroup v2 part hidden' : ''}`
    : 'private cgroup2';
  const privilegeWords = privilege === 'privileged' ? 'privileged' : 'all capabilities but SYS_RESOURCE';
  const sharing = options.fileSharing === 'bridge' ? '; run dir over the file bridge' : '';
  const description = `container ${options.image} (${view}; ${privilegeWords}${sharing})`;
  return {
    id: started.getId(),
    image: options.image,
    cgroupView: options.cgroupView,
    privilege,
    fileSharing: options.fileSharing,
    description,
    runner: (callDir) => attachRunner(started.getId(), { kind: 'container', description, fileSharing: options.fileSharing }, callDir),
    stop: async () => {
      await Promise.all(bridges.map((b) => b.stop()));
      await removeContainers({ [LABEL.run]: options.runId }, { ids: [started.getId()] });
    },
  };
}

export interface RemovedContainer {
  id: string;
  /** The run that made it: cgroups its runtimes made carry this run's container id prefix. */
  runId: string;
}

/**
 * Force-removes our containers matching every label given, and returns them.
 * `ids` narrows to those containers; `onlyStopped` to ones that never ran.
 */
export async function removeContainers(labels: Record<string, string>, narrow: { ids?: readonly string[]; onlyStopped?: boolean } = {}): Promise<RemovedContainer[]> {
  const client = await engineClient();
  const docker = client.container.dockerode;
  const found = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.role}=target`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)] },
  });
  const removed: RemovedContainer[] = [];
  for (const info of found) {
    if (narrow.ids && !narrow.ids.includes(info.Id)) continue;
    if (narrow.onlyStopped && info.State === 'running') continue;
    const entry = { id: info.Id, runId: info.Labels[LABEL.run] ?? '' };
    await docker.getContainer(info.Id).remove({ force: true, v: true }).then(() => removed.push(entry), (error: unknown) => {
      // Already gone (removed by a concurrent sweep) is what we wanted.
      if (!/no such container|is already in progress/i.test(String(error))) throw error;
    });
  }
  return removed;
}

/** Containers of earlier runs on this host whose owning process is gone (a crash, a SIGKILL). */
export async function removeAbandonedContainers(): Promise<RemovedContainer[]> {
  const client = await engineClient();
  const found = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${LABEL.role}=target`, `${LABEL.ownerHost}=${hostname()}`] },
  });
  const abandoned = found.filter((info) => !processAlive(Number(info.Labels[LABEL.ownerPid])));
  if (abandoned.length === 0) return [];
  return removeContainers({}, { ids: abandoned.map((info) => info.Id) });
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

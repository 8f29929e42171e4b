import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Target } from '../runtime/process-runner.js';
import { waitFor, WaitTimeoutError } from '../util/wait.js';
import { engineExec, engineExecExitCode } from './engine-exec.js';
import type { Dockerode } from './engine.js';

/**
 * How the run dir reaches a target container. `bind`: a bind mount at the same path (the engine
 * runs on this machine: a unix socket). `bridge`: the engine shares no file system with us
 * (DOCKER_HOST=tcp://…, ssh://…), so sshfs in the container mounts the run dir at the same path,
 * speaking SFTP over the stdin and stdout of one engine exec to an sftp-server on this host.
 */
export type FileSharing = NonNullable<Target['fileSharing']>;
export const FILE_SHARINGS: readonly FileSharing[] = ['bind', 'bridge'];

/** A unix socket is an engine on this machine, which can bind-mount our dirs; any other is not. */
export function fileSharingFor(dockerHost: string): FileSharing {
  return dockerHost.startsWith('unix://') ? 'bind' : 'bridge';
}

export class FileBridgeError extends Error {
  override name = 'FileBridgeError';
}

const SFTP_SERVERS = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server', '/usr/libexec/sftp-server', '/usr/lib/ssh/sftp-server'];

/** The host's sftp-server, or undefined. */
export function findSftpServer(): string | undefined {
  return SFTP_SERVERS.find((path) => existsSync(path));
}

/**
 * sshfs options, each for a reason: no cache of names or attributes (a file the host writes is
 * seen at once in the container, and the other way round: suites poll files both sides write);
 * symlinks as they are (a rootfs has absolute ones, resolved inside the container); set-uid and
 * device files as on a local disk; every user may use the mount (containers' users).
 */
const SSHFS_OPTIONS = [
  'passive', 'allow_other', 'suid', 'dev', 'no_contain_symlinks', 'dir_cache=no',
  'entry_timeout=0', 'attr_timeout=0', 'negative_timeout=0',
].join(',');

/** Makes the mount point, then serves it in the foreground; its stdio is the SFTP channel. */
const MOUNT = 'mkdir -p "$1" && exec sshfs -f -o "$2" ":$1" "$1"';

export interface FileBridge {
  /** Unmounts it in the container and stops the host's side. */
  stop(): Promise<void>;
}

/**
 * Mounts `dir` of this host at the same path inside running container `containerId`: sshfs
 * there (it must be in the image), our sftp-server here, joined through an engine exec. Resolves
 * once the container sees a file written here.
 */
export async function startFileBridge(docker: Dockerode, containerId: string, dir: string): Promise<FileBridge> {
  const sftpServer = findSftpServer();
  if (sftpServer === undefined) {
    throw new FileBridgeError(`the engine shares no file system with this machine, and the file bridge needs sftp-server here (${SFTP_SERVERS[0]}): apt-get install -y openssh-sftp-server`);
  }
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new FileBridgeError(`the file bridge serves a directory, and ${dir} is none`);
  // Started in a session of its own: a Ctrl-C for the run must not cut the mount before teardown.
  const server: ChildProcess = spawn(sftpServer, ['-d', dir], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
  const mount = await engineExec(docker, containerId, ['sh', '-c', MOUNT, 'rtconform-bridge', dir, SSHFS_OPTIONS], { input: server.stdout! });
  let said = '';
  let ended = false;
  void mount.demux((chunk) => server.stdin!.write(chunk), (chunk) => void (said = (said + chunk.toString()).slice(-2000))).finally(() => (ended = true));
  server.once('exit', () => (ended = true));
  // A bridge whose other side is gone: its writes fail, and the checks below say why.
  server.stdin!.on('error', () => (ended = true));

  const stop = async (): Promise<void> => {
    await engineExecExitCode(docker, containerId, ['sh', '-c', 'fusermount3 -u -z "$1" 2>/dev/null || fusermount -u -z "$1" 2>/dev/null || umount -l "$1"', 'rtconform-unmount', dir])
      // a container already gone took the mount with it
      .catch(() => undefined);
    (mount.output as NodeJS.ReadableStream & { destroy: () => void }).destroy();
    server.kill('SIGKILL');
  };

  // A file written here that the container sees proves the whole way works.
  const marker = join(dir, `.rtconform-bridge-${containerId.slice(0, 12)}`);
  const where = `container ${containerId.slice(0, 12)}`;
  try {
    await writeFile(marker, '').catch((error: unknown) => {
      throw new FileBridgeError(`the file bridge cannot write in ${dir}: ${(error as Error).message}`);
    });
    await waitFor(async () => {
      if (ended) throw new FileBridgeError(`the file bridge into ${where} ended before it mounted ${dir}: ${said.trim() || 'sshfs said nothing'} (the image needs sshfs, and the container /dev/fuse)`);
      return (await engineExecExitCode(docker, containerId, ['test', '-e', marker])) === 0 ? true : undefined;
    }, { timeoutMs: 15_000, intervalMs: 50, description: `${dir} to show in ${where} over the file bridge` }).catch((error: unknown) => {
      if (error instanceof WaitTimeoutError) throw new FileBridgeError(`${error.message}${said.trim() ? `: sshfs said ${said.trim()}` : ''}`);
      throw error;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  await rm(marker, { force: true });
  return { stop };
}

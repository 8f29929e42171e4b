import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dockerode } from './engine.js';

/**
 * How the run dir reaches a target container. `bind`: a bind mount at the same path (the engine
 * runs on this machine: a unix socket). `bridge`: the engine shares no file system with us
 * (DOCKER_HOST=tcp://…, ssh://…), so sshfs in the container mounts the run dir at the same path,
 * speaking SFTP over the stdin and stdout of one engine exec to an sftp-server on this host.
 */
export type FileSharing = 'bind' | 'bridge';
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
  const container = docker.getContainer(containerId);
  const exec = await container.exec({ Cmd: ['sh', '-c', MOUNT, 'rtconform-bridge', dir, SSHFS_OPTIONS], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const channel = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  // Started in a session of its own: a Ctrl-C for the run must not cut the mount before teardown.
  const server: ChildProcess = spawn(sftpServer, ['-d', dir], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
  let said = '';
  const fromContainer = new PassThrough();
  const containerErrors = new PassThrough();
  containerErrors.on('data', (chunk: Buffer) => void (said = (said + chunk.toString()).slice(-2000)));
  docker.modem.demuxStream(channel, fromContainer, containerErrors);
  fromContainer.pipe(server.stdin!);
  server.stdout!.pipe(channel);
  let ended = false;
  const end = (): void => {
    ended = true;
  };
  channel.once('close', end);
  channel.once('end', end);
  server.once('exit', end);
  // Errors on either side end the bridge; what sshfs said explains it.
  channel.on('error', end);
  server.stdin!.on('error', end);

  const stop = async (): Promise<void> => {
    try {
      const unmount = await container.exec({ Cmd: ['sh', '-c', 'fusermount3 -u -z "$1" 2>/dev/null || fusermount -u -z "$1" 2>/dev/null || umount -l "$1"', 'rtconform-unmount', dir] });
      const answer = (await unmount.start({ hijack: true, stdin: false })) as unknown as NodeJS.ReadableStream;
      await new Promise((resolve) => {
        answer.once('end', resolve);
        answer.once('close', resolve);
        answer.once('error', resolve);
        answer.resume();
      });
    } catch {
      // a container already gone took the mount with it
    }
    channel.destroy();
    server.kill('SIGKILL');
  };

  // A file written here that the container sees proves the whole way works.
  const marker = join(dir, `.rtconform-bridge-${containerId.slice(0, 12)}`);
  await writeFile(marker, '').catch(async (error: unknown) => {
    await stop();
    throw new FileBridgeError(`the file bridge cannot write in ${dir}: ${(error as Error).message}`);
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (ended) {
      await stop();
      throw new FileBridgeError(`the file bridge into container ${containerId.slice(0, 12)} ended before it mounted ${dir}: ${said.trim() || 'sshfs said nothing'} (the image needs sshfs, and the container /dev/fuse)`);
    }
    if (await seenInside(container, marker)) {
      await rm(marker, { force: true });
      return { stop };
    }
    if (Date.now() > deadline) {
      await stop();
      throw new FileBridgeError(`the file bridge into container ${containerId.slice(0, 12)} did not show ${dir} within 15 s${said.trim() ? `: sshfs said ${said.trim()}` : ''}`);
    }
    await sleep(50);
  }
}

async function seenInside(container: ReturnType<Dockerode['getContainer']>, path: string): Promise<boolean> {
  const exec = await container.exec({ Cmd: ['test', '-e', path] });
  const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as NodeJS.ReadableStream;
  await new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.resume();
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    const inspected = await exec.inspect();
    if (!inspected.Running) return inspected.ExitCode === 0;
    await sleep(10);
  }
  return false;
}

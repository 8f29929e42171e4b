import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Target } from '../runtime/process-runner.js';
import { isRoot } from '../util/is-root.js';
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

/**
 * sftp-server confined to DIR (arguments: DIR SFTP_SERVER), as a runtime under test is assumed
 * hostile and could speak SFTP through sshfs's pipe itself: in a mount namespace of its own it is
 * chrooted into a tmpfs holding DIR at its path, /usr and the lib dirs read-only, /dev/null and
 * a passwd line for its uid. The tmpfs goes over a dir that does not hold DIR; the host never
 * sees any of these mounts, and they end with the process.
 */
const CONFINED_SFTP_SERVER = `d=$1 server=$2 j=
for c in /mnt /srv /opt /media /home; do
  case "$d/" in "$c"/*) continue ;; esac
  [ -d "$c" ] && j=$c && break
done
[ -n "$j" ] || { echo "no dir to build the bridge's root on" >&2; exit 1; }
mount --make-rprivate / && mount -t tmpfs -o mode=755 rtconform-bridge "$j" || exit 1
mkdir -p "$j/usr" "$j/etc" "$j/dev" "$j$d" && : > "$j/dev/null" && mount --bind /dev/null "$j/dev/null" || exit 1
mount --rbind /usr "$j/usr" && mount -o remount,bind,ro "$j/usr" || exit 1
for l in lib lib64 lib32 libx32; do
  if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$j/$l" || exit 1
  elif [ -d "/$l" ]; then mkdir "$j/$l" && mount --rbind "/$l" "$j/$l" && mount -o remount,bind,ro "$j/$l" || exit 1
  fi
done
echo "rtconform:x:$(id -u):$(id -g)::/:/nonexistent" > "$j/etc/passwd"
mount --bind "$d" "$j$d" || exit 1
exec chroot "$j" "$server" -d "$d"`;

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
  // Not root: a user namespace gives the mount namespace (the files it writes are still ours).
  const unshare = [...(isRoot() ? [] : ['--user', '--map-root-user']), '--mount'];
  const server: ChildProcess = spawn('unshare', [...unshare, 'sh', '-c', CONFINED_SFTP_SERVER, 'rtconform-bridge-server', dir, sftpServer], {
    stdio: ['pipe', 'pipe', 'pipe'], detached: true,
  });
  let serverSaid = '';
  server.stderr!.on('data', (chunk: Buffer) => void (serverSaid = (serverSaid + chunk.toString()).slice(-2000)));
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
      if (ended) {
        const words = [said.trim() && `sshfs said: ${said.trim()}`, serverSaid.trim() && `sftp-server's side said: ${serverSaid.trim()}`].filter(Boolean).join('; ');
        throw new FileBridgeError(`the file bridge into ${where} ended before it mounted ${dir}: ${words || 'neither side said why'} (the image needs sshfs, and the container /dev/fuse)`);
      }
      return (await engineExecExitCode(docker, containerId, ['test', '-e', marker])) === 0 ? true : undefined;
    }, { timeoutMs: 15_000, intervalMs: 50, who: 'rtconform', description: `${dir} to show in ${where} over the file bridge` }).catch((error: unknown) => {
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

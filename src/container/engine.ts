import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { ContainerRuntimeClient } from 'testcontainers';

/** The socket `scripts/dockerd start` gives the engine it starts by hand (CI, and machines without a system engine). */
export const RTCONFORM_DOCKER_SOCKET = '/run/rtconform-docker/docker.sock';
const SYSTEM_DOCKER_SOCKET = '/var/run/docker.sock';

/** dockerode as testcontainers holds it; named through testcontainers so we depend on nothing else. */
export type Dockerode = ContainerRuntimeClient['container']['dockerode'];

export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}

/** DOCKER_HOST when set; else the system socket; else the one `scripts/dockerd start` makes. */
export function dockerHost(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  if (!existsSync(SYSTEM_DOCKER_SOCKET) && existsSync(RTCONFORM_DOCKER_SOCKET)) return `unix://${RTCONFORM_DOCKER_SOCKET}`;
  return `unix://${SYSTEM_DOCKER_SOCKET}`;
}

/**
 * testcontainers must not pull (there is no registry here) nor start its reaper (its image
 * would be pulled): the harness removes its own containers by label instead.
 */
export function configureTestcontainers(env: NodeJS.ProcessEnv = process.env): void {
  env.DOCKER_HOST = dockerHost(env);
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
}

export type EnginePing = { reachable: true; host: string; version: string } | { reachable: false; host: string; reason: string };

/** A quick, dependency-free look at the engine: answers within a few seconds whatever happens. */
export function pingEngine(host = dockerHost()): Promise<EnginePing> {
  if (!host.startsWith('unix://')) {
    return Promise.resolve({ reachable: false, host, reason: `DOCKER_HOST=${host}: only unix sockets are supported (the bundles are shared by bind mounts, so the engine must be local)` });
  }
  const socketPath = host.slice('unix://'.length);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/version', timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve({ reachable: false, host, reason: `${socketPath} answered HTTP ${res.statusCode}` });
        let version = '?';
        try {
          version = String((JSON.parse(body) as { Version?: unknown }).Version ?? '?');
        } catch {
          // an answer that is not JSON still means something listens
        }
        resolve({ reachable: true, host, version });
      });
    });
    req.on('error', (e) => resolve({ reachable: false, host, reason: `no Docker engine at ${socketPath} (${e.message}); start one (scripts/dockerd start) or set DOCKER_HOST` }));
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.end();
  });
}

/** The testcontainers client, after checking the engine answers so the error says what to do. */
export async function engineClient(): Promise<ContainerRuntimeClient> {
  configureTestcontainers();
  const ping = await pingEngine();
  if (!ping.reachable) throw new EngineUnavailableError(ping.reason);
  // Loaded on first use: a run without containers does not pay its 0.3 s of start-up per process.
  const { getContainerRuntimeClient } = await import('testcontainers');
  return getContainerRuntimeClient();
}

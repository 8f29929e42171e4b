import { existsSync, readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
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

/**
 * A quick, dependency-free look at the engine: answers within a few seconds whatever happens.
 * A unix socket or tcp:// (https when DOCKER_TLS_VERIFY is set, with DOCKER_CERT_PATH's
 * certificates); any other address (ssh://) is left to testcontainers to reach.
 */
export function pingEngine(host = dockerHost(), env: NodeJS.ProcessEnv = process.env): Promise<EnginePing> {
  let target: RequestOptions & { protocol?: string };
  let where: string;
  if (host.startsWith('unix://')) {
    where = host.slice('unix://'.length);
    target = { socketPath: where };
  } else if (host.startsWith('tcp://')) {
    const url = new URL(host);
    where = url.host;
    const tls = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0';
    const certs = env.DOCKER_CERT_PATH ?? '';
    target = { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)) };
    if (tls) {
      try {
        Object.assign(target, { protocol: 'https:', ca: readFileSync(join(certs, 'ca.pem')), cert: readFileSync(join(certs, 'cert.pem')), key: readFileSync(join(certs, 'key.pem')) });
      } catch (error) {
        return Promise.resolve({ reachable: false, host, reason: `DOCKER_TLS_VERIFY is set but the certificates in DOCKER_CERT_PATH (${certs || 'unset'}) cannot be read: ${(error as Error).message}` });
      }
    }
  } else {
    return pingThroughClient(host);
  }
  const send = target.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve) => {
    const req = send({ ...target, path: '/version', timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve({ reachable: false, host, reason: `${where} answered HTTP ${res.statusCode}` });
        let version = '?';
        try {
          version = String((JSON.parse(body) as { Version?: unknown }).Version ?? '?');
        } catch {
          // an answer that is not JSON still means something listens
        }
        resolve({ reachable: true, host, version });
      });
    });
    req.on('error', (e) => resolve({ reachable: false, host, reason: `no Docker engine at ${where} (${e.message}); start one (scripts/dockerd start) or set DOCKER_HOST` }));
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.end();
  });
}

/** An address only testcontainers (dockerode) speaks, such as ssh://: asked for its version, within 10 s. */
async function pingThroughClient(host: string): Promise<EnginePing> {
  configureTestcontainers();
  const { getContainerRuntimeClient } = await import('testcontainers');
  const answer = (async (): Promise<EnginePing> => {
    const client = await getContainerRuntimeClient();
    const version = (await client.container.dockerode.version()) as { Version?: string };
    return { reachable: true, host, version: version.Version ?? '?' };
  })().catch((error: unknown): EnginePing => ({ reachable: false, host, reason: `no Docker engine answered at ${host}: ${(error as Error).message}` }));
  const late = new Promise<EnginePing>((resolve) => setTimeout(() => resolve({ reachable: false, host, reason: `no Docker engine answered at ${host} within 10 s` }), 10_000).unref());
  return Promise.race([answer, late]);
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

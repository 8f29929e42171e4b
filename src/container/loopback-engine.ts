import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A local engine seen as a remote one, for tests: a TCP proxy on 127.0.0.1 to the engine's unix
 * socket. A run given its URL shares no file system with it by rtconform's rule (the file
 * bridge), and killing it is an engine that goes down mid-run: every connection cut, every new
 * one refused.
 */
export interface LoopbackEngine {
  url: string;
  /** Whether a client has asked the engine, through it, to create a container. */
  createdContainer(): boolean;
  kill(): Promise<void>;
}

export async function loopbackEngine(socketPath: string): Promise<LoopbackEngine> {
  const open = new Set<Socket>();
  let created = false;
  const server: Server = createServer((client) => {
    client.on('data', (chunk: Buffer) => void (created ||= chunk.includes('/containers/create')));
    const engine = connect(socketPath);
    for (const s of [client, engine]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(engine).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `tcp://127.0.0.1:${port}`,
    createdContainer: () => created,
    kill: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

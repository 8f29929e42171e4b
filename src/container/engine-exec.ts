import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Dockerode } from './engine.js';

/** A command the engine runs in a container (its exec API), with its output attached. */
export interface EngineExec {
  /** The engine's multiplexed stream of stdout and stderr (with `input`, also the way to stdin). */
  output: NodeJS.ReadableStream;
  /** Splits the output into stdout and stderr; resolves when it ends. */
  demux(onStdout: (chunk: Buffer) => void, onStderr: (chunk: Buffer) => void): Promise<void>;
  /** What the engine recorded once the command ended; undefined if it has not within a second. */
  exitCode(): Promise<number | undefined>;
}

export interface EngineExecOptions {
  env?: Record<string, string>;
  workingDir?: string;
  /** Fed to stdin piece by piece, as fast as the command reads; then end of file. */
  input?: AsyncIterable<string | Uint8Array>;
}

export async function engineExec(docker: Dockerode, containerId: string, cmd: string[], options: EngineExecOptions = {}): Promise<EngineExec> {
  const { env, workingDir, input } = options;
  const exec = await docker.getContainer(containerId).exec({
    Cmd: cmd,
    AttachStdin: input !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    Env: env ? Object.entries(env).map(([k, v]) => `${k}=${v}`) : undefined,
    WorkingDir: workingDir,
  });
  const output = await exec.start({ hijack: true, stdin: input !== undefined });
  if (input !== undefined) {
    // End of file by closing our half of the connection. A command that ends first ends the
    // connection, and the feed.
    void pipeline(Readable.from(input), output as unknown as NodeJS.WritableStream).catch(() => undefined);
  }
  return {
    output,
    demux: (onStdout, onStderr) => {
      const out = new PassThrough();
      const err = new PassThrough();
      out.on('data', onStdout);
      err.on('data', onStderr);
      docker.modem.demuxStream(output, out, err);
      return new Promise((resolve) => {
        const done = (): void => resolve();
        output.once('end', done);
        output.once('close', done);
        output.once('error', done);
      });
    },
    exitCode: async () => {
      // The stream can end a moment before the engine records the exit.
      for (let attempt = 0; attempt < 50; attempt++) {
        const inspected = await exec.inspect();
        if (!inspected.Running) return inspected.ExitCode ?? undefined;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return undefined;
    },
  };
}

/** Runs `cmd` to its end, its output dropped, and returns its exit code. */
export async function engineExecExitCode(docker: Dockerode, containerId: string, cmd: string[]): Promise<number | undefined> {
  const exec = await engineExec(docker, containerId, cmd);
  await exec.demux(() => undefined, () => undefined);
  return exec.exitCode();
}

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CheckpointOptions } from './argv.js';
import type { Runtime } from './runtime.js';

const MetadataSchema = z.object({
  name: z.string(),
  containerId: z.string(),
  runtime: z.string(),
  created: z.string(),
  leaveRunning: z.boolean(),
  /** The checkpoint's options, as given (none in metadata written before they were recorded). */
  options: z.object({
    tcpEstablished: z.boolean().optional(),
    shellJob: z.boolean().optional(),
    extUnixSk: z.boolean().optional(),
    fileLocks: z.boolean().optional(),
    preDump: z.boolean().optional(),
    parentPath: z.string().optional(),
  }).default({}),
});
export type CheckpointMetadata = z.infer<typeof MetadataSchema>;

/** What a store holds: the checkpoints it can read, and the entries it cannot, each with why. */
export interface CheckpointListing {
  checkpoints: CheckpointMetadata[];
  unreadable: { name: string; reason: string }[];
}

const NAME = /^[A-Za-z0-9][\w.-]*$/;

/** Named checkpoints in one directory, each an image dir plus metadata.json, as containerd kept them. */
export class CheckpointStore {
  constructor(readonly dir: string) {}

  imagePath(name: string): string {
    return join(this.dir, name, 'image');
  }

  async create(runtime: Runtime, containerId: string, name: string, options: Omit<CheckpointOptions, 'imagePath'> = {}): Promise<CheckpointMetadata> {
    if (!NAME.test(name)) throw new Error(`invalid checkpoint name "${name}": use letters, digits, '.', '_' and '-'`);
    const dir = join(this.dir, name);
    if ((await this.#names()).includes(name)) throw new Error(`checkpoint "${name}" already exists in ${this.dir}`);
    await mkdir(dir, { recursive: true });
    try {
      await runtime.checkpoint(containerId, { ...options, imagePath: this.imagePath(name), workPath: options.workPath ?? join(dir, 'work') });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const { tcpEstablished, shellJob, extUnixSk, fileLocks, preDump, parentPath } = options;
    const metadata: CheckpointMetadata = {
      name, containerId, runtime: runtime.name, created: new Date().toISOString(), leaveRunning: options.leaveRunning ?? false,
      options: Object.fromEntries(Object.entries({ tcpEstablished, shellJob, extUnixSk, fileLocks, preDump, parentPath }).filter(([, v]) => v !== undefined)),
    };
    await writeFile(join(dir, 'metadata.json'), JSON.stringify(metadata, null, 2));
    return metadata;
  }

  /** Oldest first. A damaged entry (metadata missing, not JSON, of the wrong shape) is listed as unreadable, not thrown. */
  async list(): Promise<CheckpointListing> {
    const listing: CheckpointListing = { checkpoints: [], unreadable: [] };
    for (const name of await this.#names()) {
      const file = join(this.dir, name, 'metadata.json');
      let json: unknown;
      try {
        json = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        listing.unreadable.push({ name, reason: `${file}: ${(error as Error).message}` });
        continue;
      }
      const parsed = MetadataSchema.safeParse(json);
      if (parsed.success) listing.checkpoints.push(parsed.data);
      else listing.unreadable.push({ name, reason: `${file}: ${z.prettifyError(parsed.error)}` });
    }
    listing.checkpoints.sort((a, b) => a.created.localeCompare(b.created));
    return listing;
  }

  /** Deletes a checkpoint, readable or not. */
  async delete(name: string): Promise<void> {
    if (!(await this.#names()).includes(name)) throw new Error(`no checkpoint named "${name}" in ${this.dir}`);
    await rm(join(this.dir, name), { recursive: true, force: true });
  }

  async #names(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }
}

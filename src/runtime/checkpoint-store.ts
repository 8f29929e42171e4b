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
});
export type CheckpointMetadata = z.infer<typeof MetadataSchema>;

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
    if ((await this.list()).some((c) => c.name === name)) throw new Error(`checkpoint "${name}" already exists in ${this.dir}`);
    await mkdir(dir, { recursive: true });
    try {
      await runtime.checkpoint(containerId, { ...options, imagePath: this.imagePath(name), workPath: options.workPath ?? join(dir, 'work') });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const metadata: CheckpointMetadata = {
      name, containerId, runtime: runtime.name, created: new Date().toISOString(), leaveRunning: options.leaveRunning ?? false,
    };
    await writeFile(join(dir, 'metadata.json'), JSON.stringify(metadata, null, 2));
    return metadata;
  }

  async list(): Promise<CheckpointMetadata[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const found: CheckpointMetadata[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const text = await readFile(join(this.dir, entry.name, 'metadata.json'), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const parsed = MetadataSchema.safeParse(JSON.parse(text));
      if (parsed.success) found.push(parsed.data);
    }
    return found.sort((a, b) => a.created.localeCompare(b.created));
  }

  async delete(name: string): Promise<void> {
    if (!(await this.list()).some((c) => c.name === name)) throw new Error(`no checkpoint named "${name}" in ${this.dir}`);
    await rm(join(this.dir, name), { recursive: true, force: true });
  }
}

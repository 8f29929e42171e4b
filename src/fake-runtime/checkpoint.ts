/**
 * checkpoint and restore, without CRIU: no process memory is saved, the image only marks that a
 * checkpoint was taken, and restore creates the container afresh from its bundle. The log says so.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bool, str, strs, type Parsed } from './args.js';
import { load, mustBe, requireId, type Command } from './command.js';
import { FakeError, log, pathOf } from './context.js';
import { create, createFlags } from './create.js';
import { forceRemove } from './lifecycle.js';
import { waitChild } from './processes.js';

export const checkpointCommands = {
  checkpoint: {
    flags: {
      'image-path': { type: 'string' }, 'work-path': { type: 'string' }, 'leave-running': { type: 'boolean' },
      'tcp-established': { type: 'boolean' }, 'shell-job': { type: 'boolean' }, 'ext-unix-sk': { type: 'boolean' },
      'file-locks': { type: 'boolean' }, 'pre-dump': { type: 'boolean' }, 'parent-path': { type: 'string' },
      'manage-cgroups-mode': { type: 'string' }, 'empty-ns': { type: 'string', multiple: true },
    },
    run: async (parsed, store) => {
      criuOptions(parsed);
      const c = load(store, requireId(parsed, 'checkpoint'));
      mustBe(c, ['running'], 'checkpoint');
      const imagePath = pathOf(str(parsed, 'image-path') ?? 'checkpoint');
      mkdirSync(imagePath, { recursive: true });
      writeFileSync(join(imagePath, 'fake-checkpoint.json'), JSON.stringify({ id: c.id, config: c.config, bundle: c.bundle, preDump: bool(parsed, 'pre-dump') }));
      log('warning', 'fake runtime: process memory is not saved; restore will restart the process from its config');
      if (!bool(parsed, 'leave-running') && !bool(parsed, 'pre-dump')) await forceRemove(store, c);
      return 0;
    },
  },
  restore: {
    flags: {
      ...createFlags,
      'image-path': { type: 'string' }, 'work-path': { type: 'string' }, detach: { type: 'boolean', short: 'd' },
      'tcp-established': { type: 'boolean' }, 'shell-job': { type: 'boolean' }, 'ext-unix-sk': { type: 'boolean' },
      'file-locks': { type: 'boolean' }, 'manage-cgroups-mode': { type: 'string' }, 'empty-ns': { type: 'string', multiple: true },
    },
    run: async (parsed, store) => {
      criuOptions(parsed);
      const imagePath = pathOf(str(parsed, 'image-path') ?? 'checkpoint');
      if (!existsSync(join(imagePath, 'fake-checkpoint.json'))) throw new FakeError(`${imagePath} holds no checkpoint of the fake runtime`);
      log('warning', 'fake runtime: restarting the process from its config; its memory was not saved');
      const { container, child } = await create(parsed, store, { gate: false });
      if (bool(parsed, 'detach') || !child) return 0;
      child.ref();
      const code = await waitChild(child);
      store.remove(container.id);
      return code;
    },
  },
} satisfies Record<string, Command>;

/**
 * The options that would go to CRIU, refused as runc refuses them: a cgroups mode CRIU does not
 * know, a namespace other than network for --empty-ns. The fake has no CRIU, so they change nothing.
 */
function criuOptions(parsed: Parsed): void {
  const mode = str(parsed, 'manage-cgroups-mode');
  if (mode !== undefined && !['soft', 'full', 'strict', 'ignore'].includes(mode)) throw new FakeError('invalid manage-cgroups-mode value');
  for (const ns of strs(parsed, 'empty-ns')) if (ns !== 'network') throw new FakeError(`namespace ${JSON.stringify(ns)} is not supported`);
}

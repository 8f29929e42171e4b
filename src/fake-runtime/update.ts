/** update: the fake has no cgroups, so it records the new resources and enforces nothing. */
import { readFileSync } from 'node:fs';
import { str } from './args.js';
import { load, mustBe, requireId, type Command } from './command.js';
import { FakeError, log, pathOf } from './context.js';

export const updateCommands = {
  update: {
    flags: {
      resources: { type: 'string', short: 'r' }, memory: { type: 'string' }, 'pids-limit': { type: 'string' },
      'cpu-quota': { type: 'string' }, 'cpu-period': { type: 'string' }, 'cpu-share': { type: 'string' },
    },
    run: async (parsed, store) => {
      const c = load(store, requireId(parsed, 'update'));
      mustBe(c, ['created', 'running', 'paused'], 'update');
      const file = str(parsed, 'resources');
      const { parseResources } = await import('./validate.js');
      const resources = file ? parseResources(JSON.parse(file === '-' ? readFileSync(0, 'utf8') : readFileSync(pathOf(file), 'utf8'))) : undefined;
      if (typeof resources === 'string') throw new FakeError(resources);
      log('warning', 'fake runtime: resources are recorded, not enforced');
      store.save({ ...c, resources: resources ?? Object.fromEntries(parsed.flags) });
      return 0;
    },
  },
} satisfies Record<string, Command>;

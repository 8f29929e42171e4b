/** pause and resume: with no freezer cgroup, SIGSTOP and SIGCONT to every process of the container. */
import { load, mustBe, requireId, type Command } from './command.js';
import { containerPids, signalAll } from './processes.js';

export const pauseCommands = {
  pause: {
    flags: {},
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'pause'));
      mustBe(c, ['created', 'running'], 'pause');
      signalAll(containerPids(store, c), 'SIGSTOP');
      store.save({ ...c, paused: true });
      return 0;
    },
  },
  resume: {
    flags: {},
    run: (parsed, store) => {
      const c = load(store, requireId(parsed, 'resume'));
      mustBe(c, ['paused'], 'resume');
      signalAll(containerPids(store, c), 'SIGCONT');
      store.save({ ...c, paused: false });
      return 0;
    },
  },
} satisfies Record<string, Command>;

/** features: the fake declares no namespaces, capabilities, cgroups, seccomp or hooks, as it isolates nothing. */
import { SPEC_VERSION } from '../spec/version.js';
import type { Command } from './command.js';
import { print } from './context.js';

export const featuresCommands = {
  features: {
    flags: {},
    run: () => {
      print(JSON.stringify({
        ociVersionMin: '1.0.0',
        ociVersionMax: SPEC_VERSION,
        hooks: [],
        mountOptions: [],
        linux: { namespaces: [], capabilities: [], cgroup: { v1: false, v2: false }, seccomp: { enabled: false } },
        annotations: { 'org.rtconform.fake': 'true', 'org.rtconform.fake.isolation': 'none' },
      }, null, 2) + '\n');
      return 0;
    },
  },
} satisfies Record<string, Command>;

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Deliberate spec violations, so the suites can prove they catch a broken runtime.
 * Chosen by RTCONFORM_FAKE_FAULTS=a,b or one per line in <root>/faults.
 */
export const FAULTS = {
  'state-status-lies': 'state and list report "running" for a container that is only created',
  'duplicate-create-accepted': 'create with an id already in use exits 0 (and creates nothing)',
  'kill-ignored': 'kill exits 0 without sending the signal',
  'delete-running-accepted': 'delete of a running container succeeds without --force',
  'exec-exit-code-lost': 'exec exits 0 whatever the process exited with',
  'exec-outlives-call': "exec's --pid-file names the fake's own process, and the exec'd one, in a process group of its own, runs on when the exec call is ended",
  'start-twice-accepted': 'start of a container that is not created exits 0',
  'bundle-path-relative': 'state reports the bundle path as given, not absolute',
  'process-runs-at-create': 'create runs the user process at once instead of waiting for start',
  'annotations-dropped': 'state omits the annotations from config.json',
} as const;

export type Fault = keyof typeof FAULTS;

export function isFault(name: string): name is Fault {
  return Object.hasOwn(FAULTS, name);
}

export function activeFaults(root: string, fromEnv: string | undefined): Set<Fault> {
  const names = (fromEnv ?? '').split(',');
  try {
    names.push(...readFileSync(join(root, 'faults'), 'utf8').split('\n'));
  } catch {
    // no faults file: nothing to add
  }
  const active = new Set<Fault>();
  for (const raw of names) {
    const name = raw.trim();
    if (name === '') continue;
    if (!isFault(name)) throw new Error(`unknown fault mode "${name}"; known: ${Object.keys(FAULTS).join(', ')}`);
    active.add(name);
  }
  return active;
}

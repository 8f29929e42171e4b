/**
 * Sends `signal` to the process group `pid` leads (a child spawned `detached`, so that its
 * children go with it). No pid, or a group already gone, is nothing to do.
 */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

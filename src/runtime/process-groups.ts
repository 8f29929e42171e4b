import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { groupMembers, procStat } from '../util/procfs.js';

/**
 * A call's process group that was kept after the call exited, because a container lives on in
 * it (runsc's create leaves its gofer there): ended when that container is deleted.
 *
 * Told from others' by /proc alone: the kernel does not hand a group's number out again while a
 * member lives, so a group with a member that started before the call ended (`endTicks`) has
 * lived on since the call, and is the call's. A group whose every member started later may be a
 * new one under the same number (once the old one emptied, pids come round again: pid_max is
 * 32768 on many machines): it is left alone.
 */
export interface KeptGroup {
  /** The group's id: the pid of the call's process, which led it. */
  pgid: number;
  /** When the call's process started, in clock ticks since boot (/proc/PID/stat field 22), where known. */
  leaderStartTicks?: number;
  /** When the call ended (rounded up), in the same ticks. */
  endTicks: number;
}

/** What ending a kept group found and did. */
export interface GroupEnd {
  /** `empty`: nothing was left in it; `ended`: its processes were killed; `not ours`: left alone, with `reason`. */
  outcome: 'empty' | 'ended' | 'not ours';
  /** What was in it, each as `PID (command)`. */
  members: string[];
  reason?: string;
}

/** SIGKILLs a kept group on this machine if /proc shows it is still the call's (see KeptGroup). */
export function endKeptGroupOnHost(group: KeptGroup): GroupEnd {
  if (!groupExists(group.pgid)) return { outcome: 'empty', members: [] };
  const members = groupMembers(group.pgid);
  const named = members.map((m) => `${m.pid} (${m.comm})`);
  if (members.length === 0) return { outcome: 'empty', members: [] };
  // The call's process is normally gone; where its pid lives, the start time says whether it is still that process.
  const leader = procStat(group.pgid);
  const known = leader !== undefined && group.leaderStartTicks !== undefined;
  const leaderIsOurs = known && leader.startTime === group.leaderStartTicks;
  let reason: string | undefined;
  if (known && !leaderIsOurs) {
    reason = `pid ${group.pgid} is another process now (started at tick ${leader.startTime}, the call's at ${group.leaderStartTicks})`;
  } else if (!leaderIsOurs && !members.some((m) => m.startTime <= group.endTicks)) {
    reason = `every process in group ${group.pgid} started after the call that left it ended (tick ${group.endTicks}): the number may have come round to another group`;
  }
  if (reason !== undefined) return { outcome: 'not ours', members: named, reason };
  try {
    process.kill(-group.pgid, 'SIGKILL');
  } catch {
    return { outcome: 'empty', members: [] }; // emptied meanwhile
  }
  return { outcome: 'ended', members: named };
}

/** Whether any process is in group `pgid` (a signal 0 to it: no scan of /proc). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The ledger of kept groups in a runtime's work dir: a group a crashed worker never ended is still named there. */
export const LEDGER_FILE = 'process-groups.ledger';

/**
 * One line per kept group (`kept ID PGID LEADER_START END`) and one per group ended or found
 * empty (`done ID PGID`): what has a `kept` line and no `done` line was never ended.
 */
export async function recordInLedger(workDir: string, line: ['kept', string, KeptGroup] | ['done', string, number]): Promise<void> {
  const [kind, id, g] = line;
  const text = kind === 'kept' ? `kept ${id} ${g.pgid} ${g.leaderStartTicks ?? '-'} ${g.endTicks}\n` : `done ${id} ${g}\n`;
  await appendFile(join(workDir, LEDGER_FILE), text);
}

/** The groups a ledger (the text of LEDGER_FILE) names as kept and never ended, each with its container's id. */
export function openGroupsInLedger(text: string): { id: string; group: KeptGroup }[] {
  const open = new Map<string, { id: string; group: KeptGroup }>();
  for (const line of text.split('\n')) {
    const [kind, id, pgid, start, end] = line.split(' ');
    if (kind === 'kept' && id && Number(pgid) > 1 && Number.isInteger(Number(end))) {
      open.set(`${id} ${pgid}`, { id, group: { pgid: Number(pgid), endTicks: Number(end), ...(start === '-' || start === undefined ? {} : { leaderStartTicks: Number(start) }) } });
    } else if (kind === 'done') {
      open.delete(`${id} ${pgid}`);
    }
  }
  return [...open.values()];
}

/**
 * Ends what a host runtime's ledger (LEDGER_FILE in its work dir) says was kept and never ended,
 * with the same check as at delete: for a sweep after a worker that died before its containers
 * were deleted. Returns what it ended, in words.
 */
export async function endLedgerGroupsOnHost(workDir: string): Promise<string[]> {
  const text = await readFile(join(workDir, LEDGER_FILE), 'utf8').catch(() => '');
  const ended: string[] = [];
  for (const { id, group } of openGroupsInLedger(text)) {
    const end = endKeptGroupOnHost(group);
    if (end.outcome === 'ended') ended.push(`process group ${group.pgid} of container ${id}: ${end.members.join(', ')}`);
  }
  return ended;
}

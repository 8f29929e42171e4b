import { closeSync, readdirSync, readFileSync } from 'node:fs';

/** What /proc says about one process; undefined when it is gone. */
export interface ProcStat {
  pid: number;
  /** The command name (at most 15 bytes, as the kernel keeps it). */
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  utimeTicks: number;
  stimeTicks: number;
  /** CPU time of children this process has waited for: it stays counted after they are gone. */
  reapedChildrenUtimeTicks: number;
  reapedChildrenStimeTicks: number;
  threads: number;
  startTime: number;
  rssPages: number;
}

export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const num = (i: number): number => Number(fields[i - 3]);
  return {
    pid,
    comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    state: fields[0] ?? '?',
    ppid: num(4),
    pgrp: num(5),
    utimeTicks: num(14),
    stimeTicks: num(15),
    reapedChildrenUtimeTicks: num(16),
    reapedChildrenStimeTicks: num(17),
    threads: num(20),
    startTime: num(22),
    rssPages: num(24),
  };
}

export function isAlive(pid: number, startTime?: number): boolean {
  const stat = procStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** Clock ticks since boot, the unit of ProcStat.startTime (USER_HZ, 100 on Linux), rounded up. */
export function ticksSinceBoot(): number {
  return Math.ceil(Number.parseFloat(readFileSync('/proc/uptime', 'utf8')) * 100);
}

/**
 * How `pid` stands to `ancestor`, by /proc: itself, a descendant (its chain of parents reaches
 * `ancestor`, each parent started no later than its child: a pid reused on the way breaks that
 * order), or neither (another process, or gone). `ancestor` must be a process the caller holds
 * (a child it has not reaped), so that its own pid cannot have been reused.
 */
export function lineage(pid: number, ancestor: number): 'self' | 'descendant' | undefined {
  let stat = procStat(pid);
  if (stat === undefined) return undefined;
  if (pid === ancestor) return 'self';
  for (let depth = 0; depth < 64 && stat.ppid > 1; depth++) {
    const parent = procStat(stat.ppid);
    if (parent === undefined || parent.startTime > stat.startTime) return undefined;
    if (parent.pid === ancestor) return 'descendant';
    stat = parent;
  }
  return undefined;
}

/** The live members of process group `pgid` (one read of every process's stat: not for every call). */
export function groupMembers(pgid: number): ProcStat[] {
  const members: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(stat);
  }
  return members;
}

/**
 * The processes of a container: each root, every member of the process groups in `groups`, and
 * everything descended from them. The fake starts each container process as a session and group
 * leader, so its group holds what it started even after it died; the kernel does not hand out a
 * group's number again while a member lives.
 */
export function processTree(roots: readonly number[], groups: readonly number[] = []): number[] {
  const children = new Map<number, number[]>();
  const queue = roots.filter((pid) => isAlive(pid));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (!stat || stat.state === 'Z') continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(stat.pid);
    children.set(stat.ppid, list);
    if (groups.includes(stat.pgrp)) queue.push(stat.pid);
  }
  const found = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...found].sort((a, b) => a - b);
}

const O_CLOEXEC = 0o2000000;

/**
 * Closes every descriptor above stderr that would survive exec: ones the fake's caller left
 * open without close-on-exec. Node opens its own with the flag, so they stay; the container
 * process then starts with stdio only, as runtime-linux.md asks.
 */
export function closeInheritedDescriptors(): void {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return;
  }
  for (const name of fds) {
    const fd = Number(name);
    if (!(fd > 2)) continue;
    let flags: number;
    try {
      const line = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (!line) continue;
      flags = parseInt(line[1]!, 8);
    } catch {
      continue; // the readdir's own descriptor, gone by now
    }
    if ((flags & O_CLOEXEC) === 0) {
      try {
        closeSync(fd);
      } catch {
        // already closed: nothing to hand on
      }
    }
  }
}

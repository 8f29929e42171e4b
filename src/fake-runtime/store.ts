import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciConfig } from '../spec/config.js';
import { isAlive, procStat } from '../util/procfs.js';

/** What the fake keeps per container under its root, like runc's state.json. */
export interface FakeContainer {
  id: string;
  ociVersion: string;
  pid: number;
  /** /proc start time of pid, so a reused pid is not mistaken for the container. */
  startTime: number;
  bundle: string;
  bundleAsGiven: string;
  created: string;
  started: boolean;
  paused: boolean;
  /** The config as it was at create: later edits of config.json have no effect. */
  config: OciConfig;
  resources?: unknown;
}

/** Numbers each save of this process: the resident fake may save one container from two calls at once. */
let saves = 0;

export class Store {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  fifo(id: string): string {
    return join(this.dir(id), 'exec.fifo');
  }

  execDir(id: string): string {
    return join(this.dir(id), 'execs');
  }

  exists(id: string): boolean {
    try {
      readFileSync(join(this.dir(id), 'state.json'));
      return true;
    } catch {
      return false;
    }
  }

  load(id: string): FakeContainer | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir(id), 'state.json'), 'utf8')) as FakeContainer;
    } catch {
      return undefined;
    }
  }

  save(container: FakeContainer): void {
    const dir = this.dir(container.id);
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `state.json.${process.pid}.${++saves}`);
    writeFileSync(temp, JSON.stringify(container));
    renameSync(temp, join(dir, 'state.json'));
  }

  remove(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }

  ids(): string[] {
    try {
      return readdirSync(this.root, { withFileTypes: true }).filter((e) => e.isDirectory() && this.exists(e.name)).map((e) => e.name).sort();
    } catch {
      return [];
    }
  }

  /**
   * Pids of exec'd processes that still run, recorded so ps, kill --all and delete --force find
   * them. Each is kept with its /proc start time: pids come round again (pid_max is 32768 on
   * some machines), and a pid whose process ended may by now be a stranger's, which a signal
   * must never reach.
   */
  execPids(id: string): number[] {
    let entries: string[];
    try {
      entries = readdirSync(this.execDir(id));
    } catch {
      return [];
    }
    return entries.flatMap((entry) => {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid <= 0) return [];
      const startTime = Number(readFileSync(join(this.execDir(id), entry), 'utf8').trim() || Number.NaN);
      return Number.isFinite(startTime) && isAlive(pid, startTime) ? [pid] : [];
    });
  }

  recordExec(id: string, pid: number): void {
    mkdirSync(this.execDir(id), { recursive: true });
    writeFileSync(join(this.execDir(id), String(pid)), String(procStat(pid)?.startTime ?? ''));
  }
}

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciConfig } from '../spec/config.js';

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

  /** Pids of exec'd processes, recorded so ps, kill --all and delete --force find them. */
  execPids(id: string): number[] {
    try {
      return readdirSync(this.execDir(id)).map(Number).filter((n) => Number.isInteger(n) && n > 0);
    } catch {
      return [];
    }
  }

  recordExec(id: string, pid: number): void {
    mkdirSync(this.execDir(id), { recursive: true });
    writeFileSync(join(this.execDir(id), String(pid)), '');
  }
}

/**
 * What every verb shares: the global flags (for the log) and the active fault modes, both set
 * once by main before the verb runs.
 */
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault } from './faults.js';

/** An error the runtime reports; unlike a UsageError it exits 1, not 2. */
export class FakeError extends Error {}

export interface Globals {
  root: string;
  log: string | undefined;
  logFormat: 'text' | 'json';
}

let globals: Globals = { root: defaultRoot(), log: undefined, logFormat: 'text' };
let faults = new Set<Fault>();

export function defaultRoot(): string {
  const base = process.env.XDG_RUNTIME_DIR ?? tmpdir();
  return join(base, `rtconform-fake-${process.getuid?.() ?? 0}`);
}

export function setGlobals(value: Globals): void {
  globals = value;
}

export function setFaults(value: Set<Fault>): void {
  faults = value;
}

export function log(level: 'error' | 'warning' | 'info', msg: string): void {
  if (!globals.log) return;
  const line = globals.logFormat === 'json'
    ? JSON.stringify({ level, msg, time: new Date().toISOString() })
    : `time="${new Date().toISOString()}" level=${level} msg="${msg}"`;
  try {
    appendFileSync(globals.log, line + '\n');
  } catch {
    // a log we cannot write must not hide the error itself
  }
}

export function has(fault: Fault): boolean {
  return faults.has(fault);
}

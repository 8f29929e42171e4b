/**
 * What every verb shares: the call it serves. A call is one command line: its working directory,
 * the caller's stdio, the global flags (for the log) and the active fault modes. The one-shot
 * fake (main.ts) serves one call per process; the resident fake (server.ts) serves many at once,
 * so a verb never reads them from `process` but from `call()`, kept per call by AsyncLocalStorage.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { privateDir, privateDirPath } from '../util/private-dir.js';
import type { Fault } from './faults.js';

/** An error the runtime reports; unlike a UsageError it exits 1, not 2. */
export class FakeError extends Error {}

/** Thrown by the resident fake, before a verb changed anything, for a call it cannot serve: the one-shot fake runs it. */
export class HandOver extends Error {}

export interface Call {
  /** The caller's working directory: relative paths on the command line are relative to it. */
  cwd: string;
  /**
   * The caller's stdin, stdout and stderr, for a container process: 'inherit' in the one-shot
   * fake, the caller's own files opened anew through /proc in the resident one.
   */
  containerStdio(): 'inherit' | [number, number, number];
  /** Output of the verb: written at once by the one-shot fake, collected by the resident one. */
  write(stream: 'stdout' | 'stderr', text: string): void;
  /**
   * Whether the call has a process of its own (main.ts), not the resident fake: only then does
   * output reach the caller as it is written, and descriptors the caller handed down beyond stdio
   * are open (the resident fake's own are all close-on-exec).
   */
  oneShot: boolean;
  /**
   * Hands the signals that end the caller on to a process, as runc hands its own to the
   * container's (run, exec); returns what stops it. The one-shot fake forwards the signals it
   * gets; the resident fake cannot see its caller's, only its end, and forwards SIGTERM then,
   * the signal the adapter sends first when it ends a call.
   */
  forwardSignals(target: () => number | undefined): () => void;
  root: string;
  log: string | undefined;
  logFormat: 'text' | 'json';
  /** RTCONFORM_FAKE_FAULTS as the caller had it: the faults it names are active besides the root's. */
  faultsFromEnv: string | undefined;
  faults: Set<Fault>;
}

const calls = new AsyncLocalStorage<Call>();

/** A call as the caller gives it; the global flags and faults are filled in when its command line is read. */
export function newCall(caller: Pick<Call, 'cwd' | 'faultsFromEnv' | 'containerStdio' | 'write' | 'oneShot' | 'forwardSignals'>): Call {
  return { ...caller, root: '', log: undefined, logFormat: 'text', faults: new Set() };
}

export function serve<T>(current: Call, run: () => T): T {
  return calls.run(current, run);
}

export function call(): Call {
  const current = calls.getStore();
  if (!current) throw new Error('fake runtime: a verb ran outside a call');
  return current;
}

/** A path from the command line, made absolute against the caller's working directory. */
export function pathOf(path: string): string {
  return resolve(call().cwd, path);
}

export function print(text: string): void {
  call().write('stdout', text);
}

/**
 * The state root without --root: a private dir of the user's (util/private-dir.ts), never a
 * name in a shared /tmp that another user could have made first. Only its path: it is made (and
 * checked) by makeDefaultRoot when a verb uses it, so `--version` or a refused call makes nothing.
 */
export function defaultRoot(): string {
  return privateDirPath(DEFAULT_ROOT);
}

export function makeDefaultRoot(): string {
  return privateDir(DEFAULT_ROOT);
}

const DEFAULT_ROOT = 'rtconform-fake';

export function log(level: 'error' | 'warning' | 'info', msg: string): void {
  const { log: file, logFormat } = call();
  if (!file) return;
  const line = logFormat === 'json'
    ? JSON.stringify({ level, msg, time: new Date().toISOString() })
    : `time="${new Date().toISOString()}" level=${level} msg="${msg}"`;
  try {
    appendFileSync(file, line + '\n');
  } catch {
    // a log we cannot write must not hide the error itself
  }
}

export function has(fault: Fault): boolean {
  return call().faults.has(fault);
}

import type { Level, Requirement } from '../requirement.js';
import type { SpecRelease } from '../spec-version.js';

/** The spec releases a rule holds in: since 1.0.0 and still in force, unless said otherwise. */
export interface Releases {
  since?: SpecRelease;
  until?: SpecRelease;
}

/** One requirement of a document: id, level, section anchor, statement in our words, releases. */
export type Entry = [id: string, level: Level, section: string, statement: string, releases?: Releases];

/** Requirements of one runtime-spec document (runtime.md, config.md, …). */
export function specDocument(document: string, entries: Entry[]): Requirement[] {
  return entries.map(([id, level, section, statement, releases]) => ({
    id, level, source: 'runtime-spec', document, section, statement, since: releases?.since ?? '1.0.0',
    ...(releases?.until === undefined ? {} : { until: releases.until }),
  }));
}

/** Requirements of one runc man page: the man page has no anchors worth linking to. */
export function runcManPage(document: string, entries: [id: string, level: Level, statement: string][]): Requirement[] {
  return entries.map(([id, level, statement]) => ({ id, level, source: 'runc-cli', document, section: '', statement, since: '1.0.0' }));
}

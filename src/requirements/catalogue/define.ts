import type { Level, Requirement } from '../requirement.js';

/** One requirement of a document: id, level, section anchor, statement in our words. */
export type Entry = [id: string, level: Level, section: string, statement: string];

/** Requirements of one runtime-spec document (runtime.md, config.md, …). */
export function specDocument(document: string, entries: Entry[]): Requirement[] {
  return entries.map(([id, level, section, statement]) => ({ id, level, source: 'runtime-spec', document, section, statement }));
}

/** Requirements of one runc man page: the man page has no anchors worth linking to. */
export function runcManPage(document: string, entries: [id: string, level: Level, statement: string][]): Requirement[] {
  return entries.map(([id, level, statement]) => ({ id, level, source: 'runc-cli', document, section: '', statement }));
}

import type { SpecRelease } from './spec-version.js';

export const LEVELS = ['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY'] as const;
export type Level = (typeof LEVELS)[number];

/**
 * Where a requirement comes from: the OCI runtime spec itself, or the runc command-line
 * contract that containerd, cri-o and every runc-compatible runtime rely on.
 */
export type Source = 'runtime-spec' | 'runc-cli';

export interface Requirement {
  id: string;
  level: Level;
  source: Source;
  /** Spec file (runtime.md, config.md, …) or runc man page. */
  document: string;
  /** Anchor inside the document. */
  section: string;
  /** One line, in our words. */
  statement: string;
  /**
   * The runtime-spec release that introduced the rule. runc CLI requirements follow runc's man
   * pages of 1.1, and every one of them holds since runc 1.0: they say 1.0.0.
   */
  since: SpecRelease;
  /** The last release that had the rule, when a later one replaced it (by a requirement of its own). */
  until?: SpecRelease;
}

const SPEC_BASE = 'https://github.com/opencontainers/runtime-spec/blob/v1.2.0/';
const RUNC_BASE = 'https://github.com/opencontainers/runc/blob/v1.1.15/man/';

export function requirementLink(r: Requirement): string {
  return r.source === 'runtime-spec' ? `${SPEC_BASE}${r.document}#${r.section}` : `${RUNC_BASE}${r.document}`;
}

/** MUST and MUST NOT decide the run's exit code; the rest are reported. */
export function isMandatory(level: Level): boolean {
  return level === 'MUST' || level === 'MUST NOT';
}

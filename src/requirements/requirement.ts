import { LATEST_SPEC_RELEASE, releaseBefore, type SpecRelease } from './spec-version.js';

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

const SPEC_BASE = 'https://github.com/opencontainers/runtime-spec/blob/';
const RUNC_BASE = 'https://github.com/opencontainers/runc/blob/v1.1.15/man/';

/** Spec documents that are not in every release, and the release that added each. */
export const SPEC_DOCUMENT_SINCE: Readonly<Partial<Record<string, SpecRelease>>> = { 'features.md': '1.1.0', 'features-linux.md': '1.1.0' };

/**
 * The runtime-spec release a requirement's link points at: the release judged (the newest
 * release when none is), unless the rule is not in it: a rule newer than that release links to
 * the release that introduced it (or its document, whichever is later), a rule a later release
 * replaced to the last release that had it.
 */
export function linkRelease(r: Pick<Requirement, 'document' | 'since' | 'until'>, judged: SpecRelease = LATEST_SPEC_RELEASE): SpecRelease {
  let release = judged;
  for (const first of [r.since, SPEC_DOCUMENT_SINCE[r.document]]) if (first !== undefined && releaseBefore(release, first)) release = first;
  if (r.until !== undefined && releaseBefore(r.until, release)) release = r.until;
  return release;
}

/**
 * Where a requirement is written: its section in the spec release `judged` (see linkRelease),
 * or for a runc CLI rule its runc man page.
 */
export function requirementLink(r: Requirement, judged?: SpecRelease): string {
  return r.source === 'runtime-spec' ? `${SPEC_BASE}v${linkRelease(r, judged)}/${r.document}#${r.section}` : `${RUNC_BASE}${r.document}`;
}

/** MUST and MUST NOT decide the run's exit code; the rest are reported. */
export function isMandatory(level: Level): boolean {
  return level === 'MUST' || level === 'MUST NOT';
}

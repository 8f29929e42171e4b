import type { RequirementResult } from '../compliance.js';

/**
 * The spec documents in the catalogue's order (src/requirements/catalogue.ts), and the runc
 * command line as one more "document", named as `documentOf` names it there.
 */
export const SPEC_AREAS = ['runtime.md', 'runtime-linux.md', 'config.md', 'config-linux.md', 'bundle.md', 'features.md', 'runc CLI'] as const;

/**
 * Where a requirement is written down: its spec document; runc CLI man pages are all grouped as
 * "runc CLI". An older report's results carry only a link, whose path ends in the document; a
 * link of some other shape still gets an area, named after the source, so no result falls out
 * of the filters.
 */
export function specArea(result: Pick<RequirementResult, 'source' | 'link' | 'document'>): string {
  if (result.source === 'runc-cli') return 'runc CLI';
  if (result.document !== undefined) return result.document;
  const path = result.link.split('#')[0]!.split('?')[0]!;
  const document = path.slice(path.lastIndexOf('/') + 1);
  return document.endsWith('.md') ? document : result.source;
}

/** Known areas in catalogue order, then any other alphabetically. */
export function compareAreas(a: string, b: string): number {
  const rank = (area: string): number => {
    const i = (SPEC_AREAS as readonly string[]).indexOf(area);
    return i === -1 ? SPEC_AREAS.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

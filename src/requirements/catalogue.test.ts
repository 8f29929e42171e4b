import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogue, requirementById } from './catalogue.js';
import { scanCoverage } from './coverage.js';
import { LEVELS, requirementLink } from './requirement.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SPEC_DOCUMENTS = ['runtime.md', 'runtime-linux.md', 'config.md', 'config-linux.md', 'bundle.md', 'features.md'];
/** area.what: two or more dot-separated kebab-case parts. */
const ID = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$/;

describe('the requirement catalogue', () => {
  it('holds at least 140 requirements', () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(140);
  });

  it('has unique ids of the form area.what in kebab case', () => {
    const ids = catalogue.map((r) => r.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids.filter((id) => !ID.test(id))).toEqual([]);
  });

  it('gives every entry a known level and a one-line statement', () => {
    for (const r of catalogue) {
      expect(LEVELS, r.id).toContain(r.level);
      expect(r.statement, r.id).toMatch(/^\S.*[.)]$/);
      expect(r.statement, r.id).not.toMatch(/\n/);
    }
  });

  it('links every spec requirement to a section of a v1.2.0 spec document', () => {
    for (const r of catalogue.filter((x) => x.source === 'runtime-spec')) {
      expect(SPEC_DOCUMENTS, r.id).toContain(r.document);
      // GitHub heading anchors: lower case, words joined by hyphens.
      expect(r.section, r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      const link = new URL(requirementLink(r));
      expect(`${link.origin}${link.pathname}`, r.id).toBe(`https://github.com/opencontainers/runtime-spec/blob/v1.2.0/${r.document}`);
      expect(link.hash, r.id).toBe(`#${r.section}`);
    }
  });

  it('links every runc CLI requirement to a runc man page', () => {
    for (const r of catalogue.filter((x) => x.source === 'runc-cli')) {
      expect(r.id, r.id).toMatch(/^cli\./);
      expect(requirementLink(r), r.id).toMatch(/^https:\/\/github\.com\/opencontainers\/runc\/blob\/v[\d.]+\/man\/runc-[a-z]+\.8\.md$/);
    }
  });

  it('knows every requirement id a suite tests', () => {
    const named = [...scanCoverage(root).entries()];
    expect(named.length).toBeGreaterThan(0);
    const known = new Set(catalogue.map((r) => r.id));
    expect(named.filter(([id]) => !known.has(id)).map(([id, files]) => `${id} (${files.join(', ')})`)).toEqual([]);
  });

  it('finds requirements by id and names the catalogue for an unknown one', () => {
    expect(requirementById('state.id').document).toBe('runtime.md');
    expect(() => requirementById('no.such-id')).toThrow(/unknown requirement id "no.such-id".*src\/requirements\/catalogue/);
  });
});

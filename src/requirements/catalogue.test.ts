import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogue, hasRequirement, requirementById } from './catalogue.js';
import { scanCoverage } from './coverage.js';
import { LEVELS, linkRelease, requirementLink, SPEC_DOCUMENT_SINCE } from './requirement.js';
import { LATEST_SPEC_RELEASE, releaseBefore } from './spec-version.js';

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

  it('links every spec requirement to a section of its document in the newest release that has the rule', () => {
    for (const r of catalogue.filter((x) => x.source === 'runtime-spec')) {
      expect(SPEC_DOCUMENTS, r.id).toContain(r.document);
      // GitHub heading anchors: lower case, words joined by hyphens.
      expect(r.section, r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      const link = new URL(requirementLink(r));
      expect(`${link.origin}${link.pathname}`, r.id).toBe(`https://github.com/opencontainers/runtime-spec/blob/v${r.until ?? LATEST_SPEC_RELEASE}/${r.document}`);
      expect(link.hash, r.id).toBe(`#${r.section}`);
    }
  });

  it('dates no rule before the release that added its document', () => {
    for (const r of catalogue) {
      const added = SPEC_DOCUMENT_SINCE[r.document];
      if (added !== undefined) expect(releaseBefore(r.since, added), `${r.id} since ${r.since}, ${r.document} since ${added}`).toBe(false);
    }
  });

  it('links a judged run to the release judged; a rule not in it to the release that has it; never to a release without the document', () => {
    const spec = (release: string, path: string): string => `https://github.com/opencontainers/runtime-spec/blob/v${release}/${path}`;
    expect(requirementLink(requirementById('state.pid'), '1.0.2')).toBe(spec('1.0.2', 'runtime.md#state'));
    expect(requirementLink(requirementById('state.pid'), '1.2.1')).toBe(spec('1.2.1', 'runtime.md#state'));
    // Newer than the release judged (beyond-target): the release that introduced it.
    expect(requirementLink(requirementById('linux.namespaces.new-time'), '1.0.2')).toBe(spec('1.1.0', 'config-linux.md#namespaces'));
    expect(requirementLink(requirementById('features.version-range'), '1.0.0')).toBe(spec('1.1.0', 'features.md#features-structure'));
    // Replaced before the release judged (withdrawn): the last release that had it.
    expect(requirementLink(requirementById('config.process.capabilities.unknown-error'), '1.2.0')).toBe(spec('1.0.2', 'config.md#linux-process'));
    // A document newer than the rule's own release (features.md came in 1.1.0).
    expect(linkRelease({ document: 'features.md', since: '1.0.0' }, '1.0.2')).toBe('1.1.0');
    expect(linkRelease({ document: 'config.md', since: '1.0.0' }, '1.0.2')).toBe('1.0.2');
    // runc CLI rules keep their man page, whatever release is judged.
    expect(requirementLink(requirementById('cli.exec.env'), '1.0.2')).toBe(requirementLink(requirementById('cli.exec.env')));
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

describe('shared deviations', () => {
  it('names requirements of the catalogue that the declarations of runc and crun say they break', async () => {
    const { SHARED_DEVIATIONS } = await import('./catalogue/shared-deviations.js');
    const { builtinDeclaration } = await import('../runtime/declaration.js');
    for (const id of Object.keys(SHARED_DEVIATIONS)) {
      expect(hasRequirement(id), id).toBe(true);
      for (const runtime of ['runc', 'crun'] as const) {
        expect(builtinDeclaration(runtime).expectedFailures.map((e) => e.requirement), `${runtime} declares ${id}`).toContain(id);
      }
    }
  });
});

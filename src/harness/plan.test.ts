import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { DeclarationError } from '../runtime/declaration.js';
import { imageLabel, imageLabelClash, parsePlan, planContainerRuntimes, planHostRuntime, RunPlanSchema, type RunPlan } from './plan.js';

describe('the run plan', () => {
  it('carries each runtime resolved once: the fake by name, a declaration file by the name it declares', async () => {
    const temp = await dir({ unsafeCleanup: true });
    try {
      const file = join(temp.path, 'mine.yaml');
      await writeFile(file, 'name: mine\nlike: runc\nbinary: /no/such/runtime\nspecVersion: 1.0.2\n');
      const fake = planHostRuntime('fake');
      expect(fake).toMatchObject({ key: 'fake', profile: { name: 'fake', needsRoot: false } });
      expect(fake.binary).toMatch(/fake-runtime\/rtconform-fake-runtime$/);
      const mine = planHostRuntime(file);
      expect(mine).toMatchObject({ key: 'mine', claims: { specVersion: '1.0.2', source: file } });
      expect(mine.unavailableReason).toContain('/no/such/runtime');
      expect(planContainerRuntimes(['runc'], ['rtconform-runtimes:trixie-0123456789ab']).map((r) => r.key)).toEqual(['runc@container']);
    } finally {
      await temp.cleanup();
    }
  });

  it('puts each runtime in each image of a release matrix, keyed by the image\'s label', () => {
    const images = ['rtconform-runtimes:trixie-0123456789ab', 'rtconform-runtimes:sid-ba9876543210'];
    expect(planContainerRuntimes(['runc', 'crun'], images).map((r) => [r.key, r.image])).toEqual([
      ['runc@trixie', images[0]], ['runc@sid', images[1]], ['crun@trixie', images[0]], ['crun@sid', images[1]],
    ]);
    expect(imageLabel('ghcr.io/acme/runtimes:1.3')).toBe('runtimes:1.3');
    expect(imageLabelClash(images)).toBeUndefined();
    expect(imageLabelClash(['rtconform-runtimes:sid-0123456789ab', 'rtconform-runtimes:sid-ba9876543210'])).toMatch(/both be called "sid"/);
  });

  it('survives the trip to the test process unchanged, and a broken one names what is wrong', () => {
    const plan: RunPlan = RunPlanSchema.parse({
      runId: 'abc123', toolVersion: '0.1.0', outDir: '/tmp/out', testFiles: ['suites/state/'], host: [planHostRuntime('fake')],
      callTimeoutMs: 30_000, retries: 0,
    });
    expect(parsePlan(JSON.parse(JSON.stringify(plan)), 'plan.json')).toEqual(plan);
    expect(() => parsePlan({ ...plan, runId: '../../etc' }, 'plan.json')).toThrow(/plan\.json is not a valid run plan[\s\S]*runId/);
  });

  it('refuses a declaration whose expected failure names no requirement rtconform knows', async () => {
    const temp = await dir({ unsafeCleanup: true });
    try {
      const file = join(temp.path, 'bad.yaml');
      await writeFile(file, 'name: bad\nlike: runc\nexpectedFailures:\n  - requirement: no.such-thing\n    reason: typo\n');
      expect(() => planHostRuntime(file)).toThrow(DeclarationError);
      expect(() => planHostRuntime(file)).toThrow(/"no\.such-thing", which is no requirement rtconform knows/);
    } finally {
      await temp.cleanup();
    }
  });
});

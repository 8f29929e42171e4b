import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { engineClient, pingEngine } from './engine.js';
import { buildImage, canonicalRecipe, DEFAULT_RECIPE, defaultImageName, imageExists, imageNameFor, RECIPE_HASH_LABEL, RECIPE_LABEL, recipeHash, type ImageRecipe } from './runtimes-image.js';

describe('image tag', () => {
  it('is stable for the same recipe, whatever the package order', () => {
    const reordered: ImageRecipe = { ...DEFAULT_RECIPE, packages: [...DEFAULT_RECIPE.packages].reverse() };
    expect(imageNameFor(reordered)).toBe(imageNameFor(DEFAULT_RECIPE));
    expect(defaultImageName()).toBe(imageNameFor({ ...DEFAULT_RECIPE }));
    expect(defaultImageName()).toMatch(/^rtconform-runtimes:trixie-[0-9a-f]{12}$/);
  });

  it('changes with the packages and the suite', () => {
    const names = new Set([
      imageNameFor(DEFAULT_RECIPE),
      imageNameFor({ ...DEFAULT_RECIPE, packages: DEFAULT_RECIPE.packages.filter((p) => p !== 'criu') }),
      imageNameFor({ ...DEFAULT_RECIPE, packages: [...DEFAULT_RECIPE.packages, 'strace'] }),
      imageNameFor({ ...DEFAULT_RECIPE, suite: 'bookworm' }),
    ]);
    expect(names.size).toBe(4);
    expect(imageNameFor({ ...DEFAULT_RECIPE, suite: 'bookworm' })).toMatch(/^rtconform-runtimes:bookworm-/);
  });

  it('ignores the mirror: the same packages from another mirror are the same content', () => {
    expect(imageNameFor({ ...DEFAULT_RECIPE, mirror: 'http://mirror.example/debian' })).toBe(imageNameFor(DEFAULT_RECIPE));
  });

  it('refuses a suite, package or mirror that is not one', () => {
    expect(() => imageNameFor({ ...DEFAULT_RECIPE, suite: 'Trixie:latest' })).toThrow(/not a Debian suite/);
    expect(() => imageNameFor({ ...DEFAULT_RECIPE, packages: ['runc;rm'] })).toThrow(/not a Debian package/);
    expect(() => imageNameFor({ ...DEFAULT_RECIPE, mirror: 'deb.debian.org' })).toThrow(/--mirror wants/);
  });
});

describe('buildImage', () => {
  it('builds a tiny image by debootstrap, labels it, and reuses it', { timeout: 180_000 }, async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip('building an image needs root (debootstrap)');
    if (!existsSync('/usr/sbin/debootstrap')) ctx.skip('debootstrap is not installed (apt-get install -y debootstrap)');
    const ping = await pingEngine();
    if (!ping.reachable) ctx.skip(`no Docker engine: ${ping.reason}`);

    const recipe: ImageRecipe = { suite: 'trixie', variant: 'minbase', packages: ['busybox-static'] };
    // Tagged by the builder's own source: a machine that has the image this builder made keeps
    // it (a cold build is ~40 CPU-s, and minutes of downloads on a fresh machine), and any change
    // to the builder builds cold again. Tags of older builders go after a day.
    const builder = createHash('sha256').update(readFileSync(fileURLToPath(new URL('./runtimes-image.ts', import.meta.url)))).digest('hex');
    const name = `rtconform-image-test:${builder.slice(0, 12)}`;
    const engine = (await engineClient()).container.dockerode;
    for (const image of await engine.listImages({ filters: { reference: ['rtconform-image-test'] } })) {
      const stale = !(image.RepoTags ?? []).includes(name) && Date.now() / 1000 - image.Created > 24 * 3600;
      if (stale) await engine.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
    const tempsBefore = readdirSync('/var/tmp').filter((f) => f.startsWith('rtconform-image-'));
    const lines: string[] = [];
    if (await imageExists(name)) {
      process.stderr.write(`image.test: ${name} is this builder's image, built by an earlier run: its cold build is not repeated (remove the image to repeat it)\n`);
    } else {
      const built = await buildImage({ recipe, name, onProgress: (line) => lines.push(line) });
      expect(built).toMatchObject({ name, reused: false });
      expect(lines.join('\n')).toMatch(/debootstrap trixie \(minbase, 1 package\)[\s\S]*importing \d+ MB[\s\S]*built /);
      process.stderr.write(`image.test: cold build of ${name} took ${Math.round(built.durationMs / 1000)} s\n`);
    }
    expect(await imageExists(name)).toBe(true);
    const info = await engine.getImage(name).inspect();
    expect(info.Config.Labels[RECIPE_HASH_LABEL]).toBe(recipeHash(recipe));
    expect(info.Config.Labels[RECIPE_LABEL]).toBe(canonicalRecipe(recipe));
    expect(info.Config.Cmd).toEqual(['sleep', 'infinity']);

    const again = await buildImage({ recipe, name });
    expect(again).toMatchObject({ name, reused: true });
    expect(again.durationMs).toBeLessThan(2000);
    expect(readdirSync('/var/tmp').filter((f) => f.startsWith('rtconform-image-'))).toEqual(tempsBefore);
  });
});

import semver from 'semver';

/**
 * Releases of the OCI runtime spec, oldest first. A requirement names the release that
 * introduced it (and, for a rule a later release replaced, the last release that had it).
 */
export const SPEC_RELEASES = ['1.0.0', '1.0.1', '1.0.2', '1.1.0', '1.2.0', '1.2.1', '1.3.0'] as const;
export type SpecRelease = (typeof SPEC_RELEASES)[number];

/** The newest release rtconform knows: what a run is judged against when nothing says otherwise. */
export const LATEST_SPEC_RELEASE: SpecRelease = SPEC_RELEASES.at(-1)!;

export function isSpecRelease(value: string): value is SpecRelease {
  return (SPEC_RELEASES as readonly string[]).includes(value);
}

/**
 * The release a declared spec version is judged against: the newest release it contains.
 * runtime-spec marks development after a release with "-dev" (runc 1.1 says "1.0.2-dev", a
 * snapshot taken after 1.0.2): that is judged as the release it builds on, so rules that only a
 * later release made binding are not held against it. A release candidate ("1.1.0-rc.1")
 * precedes its release: it is judged as the release before. Undefined when the text is no version.
 */
export function judgedRelease(declared: string): SpecRelease | undefined {
  const text = declared.trim().replace(/^v/, '');
  const dev = /^(\d+\.\d+\.\d+)[-+]dev\b/.exec(text);
  const version = semver.valid(dev ? dev[1]! : text) ?? semver.valid(semver.coerce(text, { includePrerelease: false }));
  if (!version) return undefined;
  // A bare "1.0.2+build" or "1.0.2-rc.1" keeps its semver meaning; "-dev" was mapped above.
  const compared = dev ? version : (semver.valid(text) ?? version);
  let found: SpecRelease | undefined;
  for (const release of SPEC_RELEASES) if (semver.lte(release, compared)) found = release;
  return found;
}

/** Whether release `a` comes before release `b`. */
export function releaseBefore(a: SpecRelease, b: SpecRelease): boolean {
  return SPEC_RELEASES.indexOf(a) < SPEC_RELEASES.indexOf(b);
}

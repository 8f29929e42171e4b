/**
 * Behaviour of real runtimes that breaks a requirement, found by these suites and confirmed by
 * hand. A conformance run reports them as failures like any other. Only rtconform's own test
 * command (self-test mode) expects them to fail, so it stays green while still proving the
 * suites catch them; if a runtime fixes one, the self-test fails until the entry is removed.
 */
export interface KnownDeviation {
  runtime: string;
  requirement: string;
  /** The test title, as written in the suite. */
  test: string;
  reason: string;
}

export const knownDeviations: readonly KnownDeviation[] = [
  {
    runtime: 'runc',
    requirement: 'delete.not-stopped',
    test: 'delete of a created container fails and leaves it created',
    reason: 'runc 1.1 deletes a created container without --force: it kills the waiting init and removes it',
  },
  {
    runtime: 'crun',
    requirement: 'delete.not-stopped',
    test: 'delete of a created container fails and leaves it created',
    reason: 'crun 1.21 deletes a created container without --force, as runc does',
  },
  {
    runtime: 'crun',
    requirement: 'cli.exec.env',
    test: 'exec --env adds variables to the environment',
    reason: 'crun 1.21 exec --env replaces the environment instead of adding to it: PATH is lost, so `sh` is not found',
  },
  {
    runtime: 'runc',
    requirement: 'config.domainname',
    test: 'the container sees the configured domainname',
    reason: 'runc 1.1 ignores domainname (support came in runc 1.2)',
  },
];

export function knownDeviation(runtime: string, requirement: string, test: string): KnownDeviation | undefined {
  return knownDeviations.find((d) => d.runtime === runtime && d.requirement === requirement && d.test === test);
}

export const SELF_TEST_ENV = 'RTCONFORM_SELF_TEST';

export function selfTestMode(): boolean {
  return process.env[SELF_TEST_ENV] === '1';
}

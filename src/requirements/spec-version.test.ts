import { describe, expect, it } from 'vitest';
import { judge } from '../report/verdict.js';
import { catalogue } from './catalogue.js';
import { isSpecRelease, releaseBefore, SPEC_RELEASES, judgedRelease } from './spec-version.js';

describe('spec versions', () => {
  it('a declared version is judged as the newest release it contains', () => {
    expect(judgedRelease('1.0.2-dev')).toBe('1.0.2'); // runc 1.1: development after 1.0.2
    expect(judgedRelease('1.1.0+dev')).toBe('1.1.0'); // crun's features
    expect(judgedRelease('1.1.0-rc.1')).toBe('1.0.2'); // runsc: a candidate precedes its release
    expect(judgedRelease('1.2.0')).toBe('1.2.0');
    expect(judgedRelease('v1.0.0')).toBe('1.0.0');
    expect(judgedRelease('1.9.0')).toBe('1.3.0');
    expect(judgedRelease('0.9')).toBeUndefined();
    expect(judgedRelease('not a version')).toBeUndefined();
  });

  it('every requirement names releases rtconform knows, in order', () => {
    for (const r of catalogue) {
      expect(isSpecRelease(r.since), r.id).toBe(true);
      if (r.until !== undefined) expect(releaseBefore(r.until, r.since), r.id).toBe(false);
    }
    expect(SPEC_RELEASES[0]).toBe('1.0.0');
  });

  it('a rule outside the judged release is not counted, whatever it came to; a declared failure is expected', () => {
    const newer = { since: '1.1.0', until: undefined } as const;
    expect(judge('fail', newer, '1.0.2')).toBe('beyond-target');
    expect(judge('fail', newer, '1.1.0')).toBe('fail');
    expect(judge('pass', { since: '1.0.0', until: '1.2.1' }, '1.3.0', { expected: 'always' })).toBe('withdrawn');
    expect(judge('fail', { since: '1.0.0' }, '1.0.2', { expected: 'always' })).toBe('expected-fail');
    expect(judge('pass', { since: '1.0.0' }, '1.0.2', { expected: 'always' })).toBe('unexpected-pass');
    expect(judge('skip', { since: '1.0.0' }, '1.0.2', { expected: 'always' })).toBe('skip');
    // Declared intermittent (a race in the runtime): a failure is expected, a pass no surprise.
    expect(judge('fail', { since: '1.0.0' }, '1.0.2', { expected: 'sometimes' })).toBe('expected-fail');
    expect(judge('pass', { since: '1.0.0' }, '1.0.2', { expected: 'sometimes' })).toBe('pass');
    expect(judge('error', { since: '1.0.0' }, undefined)).toBe('error');
  });
});

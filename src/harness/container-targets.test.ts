import { describe, expect, it } from 'vitest';
import { releaseOf } from './container-targets.js';

describe('releaseOf', () => {
  it('calls an image by the release its /etc/os-release names, as people do', () => {
    // Debian sid's own file (the sid image): testing and unstable carry the next release's codename.
    expect(releaseOf('PRETTY_NAME="Debian GNU/Linux forky/sid"\nNAME="Debian GNU/Linux"\nVERSION_CODENAME=forky\nID=debian\n')).toBe('sid');
    expect(releaseOf('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_ID="13"\nVERSION_CODENAME=trixie\nID=debian\n')).toBe('trixie');
    expect(releaseOf('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.22.1\n')).toBe('alpine 3.22.1');
    expect(releaseOf('')).toBeUndefined();
  });
});

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostProcessRunner } from '../runtime/process-runner.js';
import { helperFindings } from './doctor.js';

describe('doctor on the helpers some suites need', () => {
  it('says where each helper is, or how to install it and that its suites skip', async () => {
    const findings = await helperFindings(new HostProcessRunner(), 'host', [
      { name: 'sh', meaning: 'a shell' },
      { name: 'rtconform-no-such-helper', meaning: 'nothing' },
    ]);
    expect(findings[0]).toMatchObject({ what: 'sh (host)', status: 'ok', meaning: 'a shell: they run on the host' });
    expect(existsSync(findings[0]!.detail)).toBe(true);
    expect(findings[1]).toMatchObject({
      what: 'rtconform-no-such-helper (host)', status: 'missing',
      detail: 'not found (apt-get install -y rtconform-no-such-helper)', meaning: 'nothing: they skip, saying so',
    });
  });
});

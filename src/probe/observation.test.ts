import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PROBE_SCRIPT } from './observation.js';
import { CAPABILITY_NAMES, mountAt, parseObservation, ProbeOutputError } from './observation.js';

/** The probe run here, by sh, as the process it describes: what it reports must match this machine. */
describe('the probe and its parser', () => {
  it('reports the process it runs as', async () => {
    const { stdout } = await execa('sh', [PROBE_SCRIPT(), 'one', 'two words'], { env: { RTC_MARK: 'x y' }, cwd: '/tmp' });
    const o = parseObservation(stdout);
    expect(o.args).toEqual([PROBE_SCRIPT(), 'one', 'two words']);
    expect(o.env).toContain('RTC_MARK=x y');
    expect(o.cwd).toBe('/tmp');
    expect(o.uid.effective).toBe(process.getuid?.());
    expect(o.gid.effective).toBe(process.getgid?.());
    expect(o.umask).toMatch(/^0[0-7]{3}$/);
    expect(o.rlimits.RLIMIT_NOFILE?.soft).toBeGreaterThan(0);
    expect(o.namespaces.pid).toMatch(/^pid:\[\d+\]$/);
    expect(mountAt(o, '/')).toBeDefined();
    expect(o.paths['/dev/null']).toMatchObject({ kind: 'present', type: 'character special file', major: 1, minor: 3 });
    if (process.getuid?.() === 0) expect(o.capabilities.effective).toContain('CAP_SYS_ADMIN');
  });

  it('decodes every capability bit', async () => {
    const { stdout } = await execa('sh', [PROBE_SCRIPT()]);
    const all = (2n ** BigInt(CAPABILITY_NAMES.length) - 1n).toString(16);
    const text = stdout.replace(/^CapEff:.*$/m, `CapEff:\t${all}`).replace(/^CapAmb:.*$/m, 'CapAmb:\t0000000000000001');
    const o = parseObservation(text);
    expect(o.capabilities.effective).toEqual([...CAPABILITY_NAMES]);
    expect(o.capabilities.ambient).toEqual(['CAP_CHOWN']);
  });

  it('refuses output of a probe that did not finish, quoting it', () => {
    expect(() => parseObservation('arg x\ncwd /\n')).toThrow(ProbeOutputError);
    expect(() => parseObservation('arg x\ncwd /\n')).toThrow(/cwd \//);
  });
});

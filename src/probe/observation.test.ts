import { existsSync } from 'node:fs';
import { chmod, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import {
  CAPABILITY_NAMES, mountAt, parseObservation, PROBE_SCRIPT, ProbeFactMissingError, ProbeIncompleteError, ProbeOutputError,
  type Observation,
} from './observation.js';

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
});

/**
 * Where the probe prints each field from: a fact line, a run of lines of one key, or a section.
 * The parser's contract, written out again here rather than read from it.
 */
const SOURCES: Record<keyof Observation, ['fact' | 'facts' | 'section', string]> = {
  args: ['facts', 'arg'], env: ['section', 'env'], cwd: ['fact', 'cwd'], umask: ['fact', 'umask'],
  hostname: ['fact', 'hostname'], domainname: ['fact', 'domainname'], oomScoreAdj: ['fact', 'oom_score_adj'],
  apparmor: ['fact', 'apparmor'], scheduler: ['fact', 'sched'], ioPriority: ['fact', 'ioprio'], namespaces: ['facts', 'ns'],
  rootWritable: ['fact', 'root_writable'], uid: ['section', 'status'], gid: ['section', 'status'], groups: ['section', 'status'],
  capabilities: ['section', 'status'], noNewPrivs: ['section', 'status'], seccomp: ['section', 'status'],
  rlimits: ['section', 'limits'], mounts: ['section', 'mountinfo'], cgroups: ['section', 'cgroup'],
  cgroupFiles: ['section', 'cgroupfiles'], paths: ['section', 'paths'], sysctls: ['section', 'sysctls'], fds: ['section', 'fds'],
  uidMap: ['section', 'uidmap'], gidMap: ['section', 'gidmap'], timeOffsets: ['section', 'timens'],
};
const FIELDS = Object.keys(SOURCES) as (keyof Observation)[];

/** Reads one field: its value, or the error reading it threw. */
function read(o: Observation, field: keyof Observation): { value: unknown } | { error: unknown } {
  try {
    return { value: o[field] };
  } catch (error) {
    return { error };
  }
}

/** The error reading `field` throws (failing the test if it throws none). */
function errorOf(o: Observation, field: keyof Observation): Error {
  const outcome = read(o, field);
  if (!('error' in outcome)) throw new Error(`observation.${field} was read: ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}

/** The probe's whole output here, under `shell`, with its last newline. */
async function probeOutput(shell: string[]): Promise<string> {
  const { stdout } = await execa(shell[0]!, [...shell.slice(1), PROBE_SCRIPT(), 'one', 'two words'], { cwd: '/tmp' });
  return `${stdout}\n`;
}

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
const SHELLS = [['sh'], ...(BUSYBOX ? [[BUSYBOX, 'sh']] : [])];

describe('each fact of the probe stands alone', () => {
  it.each(SHELLS.map((shell) => [shell.join(' '), shell]))('cut after any line (%s): what was printed in full is read, the rest throws naming the fact', async (_, shell) => {
    const text = await probeOutput(shell!);
    const lines = text.split('\n').slice(0, -1);
    expect(lines.at(-1)).toBe('probe-done');
    const whole = parseObservation(text);
    const full = Object.fromEntries(FIELDS.map((f) => [f, whole[f]]));
    // The line at which each field is whole: its fact's line, the line after a run, a section's end.
    const wholeAt = Object.fromEntries(FIELDS.map((field) => {
      const [kind, key] = SOURCES[field];
      if (kind === 'fact') return [field, lines.findIndex((l) => l.startsWith(`${key} `))];
      if (kind === 'facts') return [field, lines.findLastIndex((l) => l.startsWith(`${key} `)) + 1];
      const begin = lines.indexOf(`begin ${key}`);
      return [field, lines.indexOf('end', begin)];
    })) as Record<keyof Observation, number>;
    for (const [field, at] of Object.entries(wholeAt)) expect(at, `where ${field} is whole`).toBeGreaterThanOrEqual(0);

    for (let kept = 0; kept < lines.length; kept++) {
      const o = parseObservation(lines.slice(0, kept).map((l) => `${l}\n`).join(''));
      for (const field of FIELDS) {
        const outcome = read(o, field);
        const [kind, key] = SOURCES[field];
        if (wholeAt[field] < kept) {
          expect(outcome, `observation.${field} after ${kept} lines`).toEqual({ value: full[field] });
          continue;
        }
        const error = errorOf(o, field);
        expect(error, `observation.${field} after ${kept} lines`).toBeInstanceOf(ProbeFactMissingError);
        expect(error).toMatchObject({ name: 'ProbeFactMissingError', field, fact: key });
        expect(error.message).toContain(`observation.${field}: `);
        expect(error.message).toContain(`"${key}" ${kind === 'fact' ? 'line' : kind === 'facts' ? 'lines' : 'section'}`);
        if (kept === 0) expect(error.message).toMatch(/the container process printed nothing.*the runtime did not run the probe as configured/);
        else {
          expect(error.message).toMatch(/the probe stopped (before printing|part-way through|while printing)/);
          const last = lines[kept - 1]!;
          expect(error.message).toContain(`its last line: ${JSON.stringify(last.length > 200 ? `${last.slice(0, 200)}…` : last)}`);
          expect(error.message).toContain(`; ${kept} line${kept === 1 ? '' : 's'} printed`);
        }
      }
    }
  });

  it('says where a section was cut, and that a last line without its newline may be cut too', () => {
    const o = parseObservation('arg /p\ncwd /\nhostname box\nbegin status\nUid:\t0\t0\t0\t0\ndomainname x');
    expect(o.args).toEqual(['/p']);
    expect(o.hostname).toBe('box');
    expect(errorOf(o, 'uid').message).toBe('observation.uid: the probe stopped part-way through its "status" section, after 1 of its lines'
      + ' (its last line, cut short: "domainname x"; 5 lines printed)');
    expect(errorOf(o, 'domainname').message).toMatch(/^observation\.domainname: the probe stopped before printing its "domainname" line/);
  });

  it('names what is known of the container process: exit code, the end of its stderr', () => {
    const o = parseObservation('arg /p\ncwd /\n', { exitCode: 137, stderr: 'one\ntwo\nsh: killed\n\n' });
    expect(errorOf(o, 'env').message).toBe('observation.env: the probe stopped before printing its "env" section'
      + ' (its last line: "cwd /"; 2 lines printed; the container process exited with code 137; its stderr ends: "two / sh: killed")');
    const nothing = parseObservation('', { exitCode: 1, stderr: 'exec: no such file' });
    expect(errorOf(nothing, 'args').message).toBe('observation.args: the container process printed nothing, so not the probe\'s "arg" lines'
      + ' either: the runtime did not run the probe as configured (the container process exited with code 1; its stderr ends: "exec: no such file")');
    // The runtime's doing, as the probe that did not finish always was.
    expect(errorOf(nothing, 'cwd')).toBeInstanceOf(ProbeIncompleteError);
  });

  it('a part the probe\'s shell failed in (failed NAME) is missing, with the line before; the probe went on', () => {
    const text = 'arg /p\nbegin env\nA=1\n/probe.sh: eval: line 9: can\'t fork: Resource temporarily unavailable\n\nfailed env\n'
      + 'ioprio \nfailed ioprio\nhostname box\nbegin fds\n\nfailed fds\nprobe-done\n';
    const o = parseObservation(text, { stderr: '/probe.sh: eval: line 12: can\'t fork\n' });
    expect(o.args).toEqual(['/p']);
    expect(o.hostname).toBe('box');
    expect(errorOf(o, 'env')).toBeInstanceOf(ProbeFactMissingError);
    expect(errorOf(o, 'env').message).toBe('observation.env: the probe\'s shell failed while printing its "env" section, and the probe went on without it'
      + ' (the line before: "/probe.sh: eval: line 9: can\'t fork: Resource temporarily unavailable")');
    // No message of the shell's in the output (the part's own lines only): the end of stderr instead.
    expect(errorOf(o, 'ioPriority').message).toBe('observation.ioPriority: the probe\'s shell failed while printing its "ioprio" line, and the probe went on without it'
      + ' (its stderr ends: "/probe.sh: eval: line 12: can\'t fork")');
    expect(errorOf(o, 'fds').message).toMatch(/^observation\.fds: the probe's shell failed while printing its "fds" section, and the probe went on without it \(its stderr ends: /);
    // It went through to its end, and printed no cwd line: that is the probe's fault, not the runtime's.
    expect(errorOf(o, 'cwd')).toBeInstanceOf(ProbeOutputError);
    expect(errorOf(o, 'cwd').message).toMatch(/^observation\.cwd: the probe went through to its end, but printed no "cwd" line/);
  });

  it('a fact printed but not parseable is rtconform\'s fault, for that field only', async () => {
    const text = (await probeOutput(['sh'])).replace(/^oom_score_adj .*$/m, 'oom_score_adj zero').replace(/^CapEff:.*$/m, 'CapEff:\tnot-hex');
    const o = parseObservation(text);
    expect(errorOf(o, 'oomScoreAdj')).toBeInstanceOf(ProbeOutputError);
    expect(errorOf(o, 'oomScoreAdj')).not.toBeInstanceOf(ProbeIncompleteError);
    expect(errorOf(o, 'oomScoreAdj').message).toMatch(/^observation\.oomScoreAdj: the probe's "oom_score_adj" line does not parse: .*number/);
    expect(errorOf(o, 'capabilities').message).toMatch(/^observation\.capabilities: the probe's "status" section does not parse/);
    expect(o.uid.effective).toBe(process.getuid?.());
    expect(o.hostname).not.toBe('');
  });

  it('an observation with a missing field cannot be copied or compared whole without saying so', () => {
    const o = parseObservation('arg /p\ncwd /\n');
    expect(() => ({ ...o })).toThrow(ProbeFactMissingError);
    expect(Object.keys(o).sort()).toEqual([...FIELDS].sort());
  });
});

/**
 * The probe where the kernel refuses every fork (RLIMIT_NPROC 1, as a user with no other
 * process): what busybox sh and dash abort on. The parts that start no process are all there; the
 * others each fail alone, and the probe gets to its end. Needs root to become that user.
 */
describe.skipIf(process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv') || !existsSync('/usr/bin/prlimit'))('the probe where no fork succeeds', () => {
  it.each(SHELLS.map((shell) => [shell.join(' '), shell]))('%s: each part that needs a process fails alone, the rest is read', async (_, shell) => {
    // A copy the user can read, with a list of paths to describe (read by the shell itself).
    const work = await dir({ prefix: 'rtconform-probe-', unsafeCleanup: true });
    try {
      await chmod(work.path, 0o755);
      const probe = join(work.path, 'probe.sh');
      await copyFile(PROBE_SCRIPT(), probe);
      await chmod(probe, 0o755);
      const uid = String(60_000 + Math.floor(Math.random() * 5_000));
      const result = await execa('setpriv', ['--reuid', uid, '--regid', uid, '--clear-groups', 'prlimit', '--nproc=1', ...shell!, probe, 'one'], {
        cwd: '/tmp', reject: false,
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout.split('\n').at(-1)).toBe('probe-done');
      const o = parseObservation(result.stdout, { exitCode: result.exitCode, stderr: result.stderr });
      expect(o.args).toEqual([probe, 'one']);
      expect(o.cwd).toBe('/tmp');
      expect(o.umask).toMatch(/^0[0-7]{3}$/);
      expect(o.uid).toEqual({ real: Number(uid), effective: Number(uid), saved: Number(uid), fs: Number(uid) });
      expect(o.rlimits.RLIMIT_NPROC).toEqual({ soft: 1, hard: 1 });
      expect(o.cgroups.length).toBeGreaterThan(0);
      expect(o.hostname).not.toBe('');
      expect(o.scheduler).not.toBeNull();
      expect(o.sysctls).toEqual({});
      for (const field of ['namespaces', 'env', 'mounts', 'fds', 'paths', 'ioPriority'] as const) {
        const error = errorOf(o, field);
        expect(error, `observation.${field}`).toBeInstanceOf(ProbeFactMissingError);
        expect(error.message).toMatch(new RegExp(`^observation\\.${field}: the probe's shell failed while printing `));
        // The shell's message: in the output before `failed NAME`, or on stderr (fds, which keeps
        // its stderr as it is); ionice's part sends its errors, that one too, to /dev/null.
        if (field !== 'ioPriority') expect(error.message).toMatch(/can't fork|cannot fork/i);
      }
    } finally {
      await work.cleanup();
    }
  });
});

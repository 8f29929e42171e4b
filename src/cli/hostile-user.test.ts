import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePlan, planHostRuntime } from '../harness/plan.js';
import { runsDir } from '../harness/run-home.js';
import { packageRoot } from '../package-root.js';
import { isRoot } from '../util/is-root.js';
import { waitFor } from '../util/wait.js';

/**
 * rtconform runs as root on shared machines (issue 23). Each way an unprivileged local user
 * (`nobody`, through setpriv) once steered a root run is tried here as that user would: records
 * and dirs planted in /tmp, a plan swapped while the run starts, records of the wrong owner or
 * mode among the runs, out dirs of theirs. Each attempt must fail: no command of theirs runs,
 * nothing is written through a link of theirs, nothing of theirs is removed, and the run says
 * what it refused.
 */

const CLI = (): string => join(packageRoot(), 'dist/cli/main.js');
const NOBODY = 65534;

/** Runs `script` with sh as the user nobody, `input` on its stdin. */
function asNobody(script: string, input = ''): ResultPromise<{ input: string; reject: false; all: true }> {
  return execa('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'sh', '-c', script], { input, reject: false, all: true });
}

/**
 * A run record as rtconform wrote them before: its plan names the runtime's binary and flags,
 * here `sh -c COMMAND`, which a sweep that trusts records would run as root.
 */
function recordRunning(command: string): string {
  const fake = planHostRuntime('fake');
  // Declared as needing root, as runc is: a sweep drives such a runtime with its default root.
  const evil = { ...fake, binary: '/bin/sh', profile: { ...fake.profile, binary: '/bin/sh', needsRoot: true, globalArgs: ['-c', `${command}; exit 0`] } };
  const plan = makePlan({ toolVersion: 'planted', outDir: '/tmp/planted', testFiles: [], host: [evil] });
  return JSON.stringify({ pid: 999_999_999, startTime: 0, plan });
}

/** A run as root on the fake (one small suite file), its home in `stateDir`. */
function run(args: string[], stateDir: string) {
  return execa('node', [CLI(), 'run', '--suite', 'lifecycle/missing-id', '--state-dir', stateDir, ...args], { reject: false, all: true, timeout: 120_000 });
}

describe.runIf(isRoot())('a root run, with /tmp and its own dirs prepared by another user', () => {
  /**
   * Everything made here, removed in afterAll: the test's own dir of runs (the runs other tests
   * start at the same time sweep the machine's) and what nobody planted.
   */
  const made: string[] = [];
  let runs: string;
  const tag = randomBytes(3).toString('hex');
  beforeAll(async () => {
    // Short: socket paths under it are bounded to 107 bytes.
    const base = await mkdtemp('/tmp/rx');
    made.push(base);
    runs = runsDir(join(base, 'runs'));
  });
  afterAll(async () => {
    for (const path of made) await rm(path, { recursive: true, force: true });
  });

  /**
   * One run among everything planted at once, as a machine would have it: a record and a run
   * dir in /tmp (nobody's), and records in the run's own dir of runs that it must not trust.
   */
  describe('one run among planted records and dirs', () => {
    const marker = `/tmp/rtc-pwned-${tag}-record`;
    const strictMarker = `/tmp/rtc-pwned-${tag}-strict`;
    const victim = `/tmp/rtc-victim-${tag}`;
    const runId = `hu${tag}`;
    const homes: Record<'theirs' | 'writable' | 'withBinary' | 'linked' | 'ours', string> = { theirs: '', writable: '', withBinary: '', linked: '', ours: '' };
    let result: Awaited<ReturnType<typeof run>>;
    beforeAll(async () => {
      made.push(marker, strictMarker, victim, `/tmp/rtconform-planted${tag}`, `/tmp/rtconform-${runId}-tmp`);
      await writeFile(victim, 'precious');
      // In /tmp, by nobody: a record whose runtime is `sh -c COMMAND`, and the run's dir of old with a link for its plan.
      const planted = await asNobody(`set -e
mkdir /tmp/rtconform-planted${tag} && cat > /tmp/rtconform-planted${tag}/run.json
mkdir /tmp/rtconform-${runId}-tmp && ln -s ${victim} /tmp/rtconform-${runId}-tmp/plan.json`, recordRunning(`touch ${marker}`));
      expect(planted.exitCode, planted.all).toBe(0);
      // Among the runs: a home of nobody's, a record others can write, one that carries a binary
      // as records once did, one behind a link, and a dead run of our own.
      const dead = { pid: 999_999_999, startTime: 0 };
      const record = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ runId: id, owner: dead, runtimes: ['fake'], containers: false, ...extra });
      const home = async (name: string, text: string): Promise<string> => {
        const path = join(runs, name);
        await mkdir(join(path, 'run'), { recursive: true, mode: 0o700 });
        await writeFile(join(path, 'run.json'), text, { mode: 0o600 });
        return path;
      };
      homes.theirs = await home(`ab${tag}-theirs`, record(`ab${tag}`));
      await chown(homes.theirs, NOBODY, NOBODY);
      await chown(join(homes.theirs, 'run.json'), NOBODY, NOBODY);
      homes.writable = await home(`ac${tag}-writable`, record(`ac${tag}`));
      await chmod(join(homes.writable, 'run.json'), 0o666);
      homes.withBinary = await home(`ad${tag}-binary`, record(`ad${tag}`, { binary: '/bin/sh', globalArgs: ['-c', `touch ${strictMarker}`] }));
      homes.linked = join(runs, `ae${tag}-linked`);
      await mkdir(homes.linked, { mode: 0o700 });
      await symlink(join(homes.writable, 'run.json'), join(homes.linked, 'run.json'));
      homes.ours = await home(`af${tag}-dead`, record(`af${tag}`, { runtimes: ['fake', '/opt/their/runtime'] }));

      result = await run(['--run-id', runId, '--out', join(runs, '..', 'out1')], runs);
    }, 150_000);

    it('runs no command of a record planted in /tmp, and writes through no plan.json link of a dir pre-created under its run id', () => {
      expect(result.exitCode, result.all).toBe(0);
      expect(existsSync(marker), 'the planted record\'s command ran').toBe(false);
      expect(readFileSync(victim, 'utf8'), 'the file behind the planted link').toBe('precious');
      expect(result.all).not.toMatch(/planted/);
      // What nobody made is theirs: left as it was.
      expect(lstatSync(`/tmp/rtconform-${runId}-tmp/plan.json`).isSymbolicLink()).toBe(true);
      expect(existsSync(`/tmp/rtconform-planted${tag}/run.json`)).toBe(true);
    });

    it('leaves alone, and names, every record among its runs that is not its own to trust; sweeps a dead run of its own with its own runtimes', () => {
      expect(result.all).toContain(`left alone: ${homes.theirs} belongs to uid ${NOBODY}`);
      expect(result.all).toContain(`left alone: ${join(homes.writable, 'run.json')} is writable by others`);
      expect(result.all).toMatch(new RegExp(`left alone: ${join(homes.withBinary, 'run.json')} is not the record of a run`));
      expect(result.all).toContain(`left alone: ${join(homes.linked, 'run.json')} cannot be opened (ELOOP)`);
      // The one dead run swept is our own, with the runtimes this run resolved: none from a record.
      expect(result.all.match(/ended without cleaning up/g), result.all).toHaveLength(1);
      expect(result.all).toMatch(new RegExp(`run af${tag} \\(pid 999999999\\) ended without cleaning up.*containers in /opt/their/runtime were not looked for`));
      for (const path of [homes.theirs, homes.writable, homes.withBinary, homes.linked]) expect(existsSync(path), path).toBe(true);
      expect(existsSync(homes.ours), 'the dead run\'s home').toBe(false);
      expect(existsSync(strictMarker)).toBe(false);
    });
  });

  it('runs no binary of a plan swapped in a dir pre-created under its run id while the run starts', async () => {
    const marker = `/tmp/rtc-pwned-${tag}-plan`;
    const runId = `hv${tag}`;
    const dir = `/tmp/rtconform-${runId}-tmp`;
    made.push(marker, dir);
    const made1 = await asNobody(`mkdir ${dir} && chmod 755 ${dir}`);
    expect(made1.exitCode, made1.all).toBe(0);
    // Waits for the plan the run writes there, and puts its own in its place.
    const swapper = asNobody(`cat > ${dir}/.evil
for i in $(seq 1 200000); do [ -e ${dir}/plan.json ] && break; done
mv -f ${dir}/.evil ${dir}/plan.json`, JSON.stringify(makePlan({
      toolVersion: 'planted', outDir: '/tmp/planted', testFiles: [],
      host: [{ ...planHostRuntime('fake'), binary: '/bin/sh', profile: { ...planHostRuntime('fake').profile, globalArgs: ['-c', `touch ${marker}; exit 0`] } }],
    })));
    try {
      const result = await run(['--run-id', runId, '--out', join(runs, '..', 'out2')], runs);
      expect(result.exitCode, result.all).toBe(0);
      expect(existsSync(marker), 'the swapped plan\'s binary ran').toBe(false);
    } finally {
      swapper.kill('SIGKILL');
    }
  }, 150_000);

  it('refuses a dir of runs another user owns, or that others can write, before it makes anything', async () => {
    const base = await mkdtemp('/tmp/ry');
    made.push(base);
    await mkdir(join(base, 'rtconform'), { mode: 0o700 });
    await chown(join(base, 'rtconform'), NOBODY, NOBODY);
    const out = join(base, 'out');
    const theirs = await run(['--out', out], join(base, 'rtconform'));
    expect(theirs.exitCode, theirs.all).toBe(2);
    expect(theirs.all).toContain(`${base}/rtconform must be a private dir of yours, but ${base}/rtconform belongs to uid ${NOBODY}`);
    expect(readdirSync(join(base, 'rtconform'))).toEqual([]);

    const open = await mkdtemp('/tmp/rz');
    made.push(open);
    await chmod(open, 0o777);
    const loose = await run(['--out', join(runs, '..', 'out5')], join(open, 'rtconform'));
    expect(loose.exitCode, loose.all).toBe(2);
    expect(loose.all).toMatch(/is writable by others and not sticky \(mode 777\)/);
    expect(existsSync(out) || existsSync(join(runs, '..', 'out5')) || existsSync(join(open, 'rtconform')), 'anything made by a refused run').toBe(false);
  }, 60_000);

  describe('--out', () => {
    it('refuses a link to /tmp as it refuses /tmp, and a dir another user made, touching nothing', async () => {
      const link = join(runs, '..', 'to-tmp');
      await symlink('/tmp', link);
      const linked = await run(['--out', link], runs);
      expect(linked.exitCode, linked.all).toBe(2);
      expect(linked.all).toMatch(/to-tmp \(\/tmp\) is a system directory/);

      const theirs = `/tmp/rtc-out-${tag}`;
      made.push(theirs);
      const planted = await asNobody(`mkdir ${theirs} && ln -s /etc/passwd ${theirs}/compliance.html`);
      expect(planted.exitCode, planted.all).toBe(0);
      const passwd = readFileSync('/etc/passwd', 'utf8');
      const refused = await run(['--out', theirs], runs);
      expect(refused.exitCode, refused.all).toBe(2);
      expect(refused.all).toContain(`${theirs} belongs to another user (owner uid ${NOBODY}`);
      expect(readdirSync(theirs)).toEqual(['compliance.html']);
      expect(readFileSync('/etc/passwd', 'utf8')).toBe(passwd);
    }, 60_000);

    it('a refused run creates no out dir and leaves no home', async () => {
      const out = join(runs, '..', 'never-made');
      const result = await run(['--runtime', '/nonexistent/runtime', '--out', out], runs);
      expect(result.exitCode, result.all).toBe(2);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(runs).filter((h) => !/^a[b-e]/.test(h)), 'homes left in the dir of runs').toEqual([]);
    }, 60_000);

    it('keeps a .preflight/ of the user\'s, and an early interrupt leaves no report of the run before', async () => {
      // A previous run's reports (its compliance.json says they are rtconform's).
      const out = join(runs, '..', 'out4');
      await mkdir(out);
      await writeFile(join(out, 'compliance.json'), JSON.stringify({ tool: { name: 'rtconform', version: 'before' } }));
      for (const file of ['compliance.html', 'compliance.md', 'junit.xml']) await writeFile(join(out, file), 'the run before');
      await mkdir(join(out, '.preflight'));
      await writeFile(join(out, '.preflight', 'mine.txt'), 'mine');
      const before = Date.now();
      const second = execa('node', [CLI(), 'run', '--suite', 'lifecycle', '--state-dir', runs, '--out', out], { reject: false, all: true });
      // The run has taken the out dir once the last run's compliance.json is gone.
      await waitFor(() => (existsSync(join(out, 'compliance.json')) ? undefined : true), { timeoutMs: 30_000, who: 'rtconform', description: 'the second run to take the out dir' });
      second.kill('SIGINT');
      const ended = await second;
      expect([0, 130]).toContain(ended.exitCode);
      for (const file of ['compliance.json', 'compliance.html', 'compliance.md', 'junit.xml']) {
        const info = await stat(join(out, file)).catch(() => undefined);
        expect(info === undefined || info.mtimeMs >= before, `${file} is from the run before`).toBe(true);
      }
      expect(await readFile(join(out, '.preflight', 'mine.txt'), 'utf8')).toBe('mine');
    }, 120_000);
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { defaultConfig } from '../../src/bundle/bundle-builder.js';
import { runProbe, type ProbeOptions } from '../../src/fixtures/probe.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { runtimeStartedBy } from '../../src/fixtures/reopen-runtime.js';
import { describeRuntimes, skipIfLimited, type Bundle, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import type { OpenFd, PathInfo } from '../../src/probe/observation.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { OciConfig } from '../../src/spec/config.js';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import { another, expectControlsDiffer } from '../control.js';
import { plant, probe, shell, visibleMount, type ShellRun } from './helpers.js';

/** Type and device numbers of a path as the probe saw it, or what it was instead. */
function device(info: PathInfo | undefined): { type: string; major?: number; minor?: number } {
  if (info === undefined) return { type: 'not described by the probe' };
  if (info.kind === 'missing') return { type: 'missing' };
  if (info.kind === 'link') return { type: `symlink to ${info.target}` };
  return { type: info.type, major: info.major, minor: info.minor };
}

/**
 * For each path: `PATH refused` when it cannot be read, else what reading it gave (bytes of a
 * file, up to 4096, entries of a directory), or `PATH missing`. The first 4096 bytes are enough
 * to tell content from none, and a control reads /proc files unmasked (/proc/kcore is the size
 * of the address space).
 */
const READ_EACH = `for p in "$@"; do
  if [ -d "$p" ]; then n=$(ls -A "$p" 2>/dev/null | wc -l); ls "$p" >/dev/null 2>&1 && echo "$p entries:$n" || echo "$p refused"
  elif [ -e "$p" ]; then n=$(head -c 4096 "$p" 2>/dev/null | wc -c); head -c 1 "$p" >/dev/null 2>&1 && echo "$p bytes:$n" || echo "$p refused"
  else echo "$p missing"; fi
done`;

/** For each path: `PATH present` or `PATH missing`. */
const EXISTS_EACH = 'for p in "$@"; do if [ -e "$p" ]; then echo "$p present"; else echo "$p missing"; fi; done';

/** For each path: `PATH written` or `PATH refused`, trying to create a file in a directory or to open a file for writing. */
const WRITE_EACH = `for p in "$@"; do
  if [ -d "$p" ]; then touch "$p/.rtc-write" 2>/dev/null && { rm -f "$p/.rtc-write"; echo "$p written"; } || echo "$p refused"
  elif [ -e "$p" ]; then (: >> "$p") 2>/dev/null && echo "$p written" || echo "$p refused"
  else echo "$p missing"; fi
done`;

const shellArgs = (script: string, paths: string[]): string => `set -- ${paths.join(' ')}\n${script}`;

/**
 * The descriptors the probe, run by `runtime` as container `id`, had open at exec: the
 * close-on-exec ones are the probe shell's own, whatever came through exec lacks the flag.
 */
async function openAtExec(ctx: Pick<RuntimeTestContext, 'bundle'>, runtime: Runtime, id: string, options: ProbeOptions = {}): Promise<OpenFd[]> {
  const { observation } = await runProbe({ runtime, id, bundle: ctx.bundle }, undefined, options);
  return observation.fds.filter((f) => !f.closeOnExec);
}

describeRuntimes('filesystem: masked and read-only paths, devices, /dev, sysctl, descriptors', (requirement) => {
  requirement('linux.masked-paths.unreadable', 'masked files read as empty and masked directories as empty', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // Paths of the rootfs with content, so masking is all that can make them read empty.
    const planted = ['/rtc-masked-file', '/rtc-masked-dir'];
    const plantSecrets = (bundle: Bundle): Promise<void> => plant(join(bundle.dir, 'rootfs'), { 'rtc-masked-file': 'secret\n', 'rtc-masked-dir/secret': 'secret\n' });
    const defaults = defaultConfig().linux?.maskedPaths ?? [];
    // The control: the same reads with nothing masked. Only a path with content there can show
    // that masking took it away: a default entry this kernel lacks (/proc/timer_stats), or one
    // that reads nothing unmasked too (/proc/kcore without CAP_SYS_RAWIO), is left out.
    const control = await shell(another(ctx), (b) => b.edit((c) => void (c.linux!.maskedPaths = [])), shellArgs(READ_EACH, [...planted, ...defaults]), plantSecrets);
    const content = (p: string): boolean => /^(bytes|entries):[1-9]/.test(control.facts[p] ?? '');
    const masked = [...planted, ...defaults.filter(content)];
    const leftOut = defaults.filter((p) => !content(p)).map((p) => `${p} (${control.facts[p] ?? 'not reported'})`).join(', ') || 'none';
    const run = await shell(ctx, (b) => b.edit((c) => void (c.linux!.maskedPaths = masked)), shellArgs(READ_EACH, masked), plantSecrets);
    // Empty or refused: nothing can be read.
    const unreadable = (fact: string | undefined): string => (/^(bytes:0|entries:0|refused)$/.test(fact ?? '') ? 'unreadable' : fact ?? '(not reported)');
    const expected = Object.fromEntries(masked.map((p) => [p, 'unreadable']));
    expect(Object.fromEntries(masked.map((p) => [p, unreadable(run.facts[p])])),
      `what reading each masked path gave (default entries left out, as they read no content unmasked either: ${leftOut})`).toEqual(expected);
    expectControlsDiffer('reading each masked path with nothing masked', expected, Object.fromEntries(masked.map((p) => [p, unreadable(control.facts[p])])));
  });

  requirement('linux.readonly-paths.read-only', 'read-only paths cannot be written and are mounted ro', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const planted = ['/rtc-ro-dir', '/rtc-ro-file'];
    const defaults = defaultConfig().linux?.readonlyPaths ?? [];
    // Writable without the option (root owns them, mode 644/755): the read-only mount is what refuses.
    const tried = [...planted, '/rtc-ro-dir/file', '/proc/sys/kernel/domainname', '/rtc-rw-dir'];
    const plantFiles = (bundle: Bundle): Promise<void> => plant(join(bundle.dir, 'rootfs'), { 'rtc-ro-dir/file': 'x\n', 'rtc-ro-file': 'x\n', 'rtc-rw-dir/file': 'x\n' });
    const observed = (run: ShellRun, readonly: string[]): { writes: Record<string, string | undefined>; roMounts: Record<string, boolean | string> } => ({
      writes: Object.fromEntries(tried.map((p) => [p, run.facts[p]])),
      roMounts: Object.fromEntries(readonly.map((p) => [p, visibleMount(run.mounts, p)?.options.includes('ro') ?? 'no mount'])),
    });
    // The control: the same writes and mounts with no read-only path, and which default entries
    // this kernel has (one it lacks, /proc/asound without sound, has nothing to mount: left out).
    const control = await shell(another(ctx), (b) => b.edit((c) => void (c.linux!.readonlyPaths = [])),
      `${shellArgs(WRITE_EACH, tried)}\n${shellArgs(EXISTS_EACH, defaults)}`, plantFiles);
    const readonly = [...planted, ...defaults.filter((p) => control.facts[p] === 'present')];
    const leftOut = defaults.filter((p) => !readonly.includes(p)).join(', ') || 'none';
    const run = await shell(ctx, (b) => b.edit((c) => void (c.linux!.readonlyPaths = readonly)), shellArgs(WRITE_EACH, tried), plantFiles);
    const expected = {
      writes: Object.fromEntries(tried.map((p) => [p, p === '/rtc-rw-dir' ? 'written' : 'refused'])),
      roMounts: Object.fromEntries(readonly.map((p) => [p, true])),
    };
    expect(observed(run, readonly), 'writes to read-only paths (/rtc-rw-dir is not one: the control); ro in the options of each path\'s mount '
      + `(default entries this kernel lacks left out: ${leftOut})`).toEqual(expected);
    const seen = observed(control, readonly);
    expectControlsDiffer('writes and mounts with no read-only path', {
      ...Object.fromEntries(Object.entries(expected.writes).filter(([p]) => p !== '/rtc-rw-dir').map(([p, v]) => [`write ${p}`, v])),
      ...Object.fromEntries(Object.entries(expected.roMounts).map(([p, v]) => [`ro mount ${p}`, v])),
    }, {
      ...Object.fromEntries(Object.entries(seen.writes).map(([p, v]) => [`write ${p}`, v])),
      ...Object.fromEntries(Object.entries(seen.roMounts).map(([p, v]) => [`ro mount ${p}`, v])),
    });
  });

  requirement('linux.devices.created', 'each configured device exists at its path with its type and numbers', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const devices = [
      { path: '/dev/rtc-char', type: 'c', major: 1, minor: 3 },
      { path: '/dev/rtc-block', type: 'b', major: 7, minor: 0 },
      { path: '/dev/rtc-fifo', type: 'p' },
    ];
    const paths = devices.map((d) => d.path);
    const { observation } = await probe(ctx, (b) => b.edit((c) => void (c.linux!.devices = devices)), { paths });
    const TYPE: Record<string, string> = { c: 'character special file', b: 'block special file', p: 'fifo' };
    const expected = Object.fromEntries(devices.map((d) => [d.path, { type: TYPE[d.type], major: d.major ?? 0, minor: d.minor ?? 0 }]));
    expect(Object.fromEntries(paths.map((p) => [p, device(observation.paths[p])])), 'type and numbers of each device path').toEqual(expected);
    // The control: the same paths without the devices.
    const control = await probe(another(ctx), (b) => b, { paths });
    expectControlsDiffer('type and numbers of each device path without linux.devices', expected, Object.fromEntries(paths.map((p) => [p, device(control.observation.paths[p])])));
  });

  requirement('linux.devices.mode-owner', 'a device gets its fileMode, uid and gid', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // 0662 has bits a 022 umask would clear: the mode must be fileMode, not fileMode & ~umask.
    const dev = { path: '/dev/rtc-owned', type: 'c', major: 1, minor: 3, fileMode: 0o662, uid: 1234, gid: 2345 };
    /** Mode and owner of a device the probe found, or what it found instead. */
    const owned = (info: PathInfo | undefined): { mode: string; uid: number; gid: number } | PathInfo | undefined =>
      (info?.kind === 'present' ? { mode: info.mode, uid: info.uid, gid: info.gid } : info);
    const { observation } = await probe(ctx, (b) => b.edit((c) => void (c.linux!.devices = [dev])), { paths: [dev.path] });
    const expected = { mode: '662', uid: 1234, gid: 2345 };
    expect(owned(observation.paths[dev.path]), `mode and owner of ${dev.path}`).toEqual(expected);
    // The control: the same device without fileMode, uid and gid.
    const plain = { path: dev.path, type: dev.type, major: dev.major, minor: dev.minor };
    const info = (await probe(another(ctx), (b) => b.edit((c) => void (c.linux!.devices = [plain])), { paths: [dev.path] })).observation.paths[dev.path];
    expectControlsDiffer(`${dev.path} without fileMode, uid and gid`, { fileMode: expected.mode, uid: expected.uid, gid: expected.gid },
      info?.kind === 'present' ? { fileMode: info.mode, uid: info.uid, gid: info.gid } : { fileMode: info?.kind, uid: info?.kind, gid: info?.kind });
  });

  requirement('linux.devices.path-conflict', 'a device whose path holds a regular file is an error', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // Outside /dev, where the rootfs itself can hold the file (/dev is a tmpfs of the config).
    const devices = (path: string): ((c: OciConfig) => void) => (c) => void (c.linux!.devices = [{ path, type: 'c', major: 1, minor: 3 }]);
    const plantFile = (bundle: Bundle): Promise<void> => plant(join(bundle.dir, 'rootfs'), { 'rtc-conflict': 'not a device\n' });
    // The control: the same device where nothing is, so a refusal below is about the file.
    const free = await ctx.bundle((c) => c.args('true').edit(devices('/rtc-free')));
    await plantFile(free);
    await ctx.runtime.create(ctx.id, { bundle: free.dir, stdio: free.stdio });
    const b = await ctx.bundle((c) => c.args('true').edit(devices('/rtc-conflict')));
    await plantFile(b);
    await refusal(ctx.runtime.create(ctx.newId(), { bundle: b.dir, stdio: b.stdio }));
  });

  requirement('linux.devices.outside-dev', 'a device path outside /dev is created there', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const path = '/rtc-devices/null';
    // On a tmpfs of its own, as /dev is: a run dir shared over the file bridge (sshfs) holds no
    // device node, and the runtime makes its mounts before its devices, so either way it must
    // create the node at the path it is given.
    const withTmpfs = (b: BundleBuilder): BundleBuilder => b.mount({ destination: '/rtc-devices', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] });
    const { observation } = await probe(ctx, (b) => withTmpfs(b).edit((c) => void (c.linux!.devices = [{ path, type: 'c', major: 1, minor: 3 }])), { paths: [path] });
    const expected = { type: 'character special file', major: 1, minor: 3 };
    expect(device(observation.paths[path]), `type and numbers of ${path}`).toEqual(expected);
    // The control: the same tmpfs without the device.
    const control = await probe(another(ctx), withTmpfs, { paths: [path] });
    expectControlsDiffer('the device path on the tmpfs without linux.devices', { [path]: expected }, { [path]: device(control.observation.paths[path]) });
  });

  // No control run for the default devices, /dev/ptmx, the /dev symlinks and the default
  // filesystems: /dev is a tmpfs of the config's, empty until the runtime fills it, and the
  // rootfs's /proc, /sys and /dev are plain empty directories, so none of them shows unless the
  // runtime made it.
  requirement('linux.default-devices.present', '/dev/null, zero, full, random, urandom and tty are those char devices', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const wanted = { '/dev/null': [1, 3], '/dev/zero': [1, 5], '/dev/full': [1, 7], '/dev/random': [1, 8], '/dev/urandom': [1, 9], '/dev/tty': [5, 0] };
    const { observation } = await probe(ctx);
    expect(Object.fromEntries(Object.keys(wanted).map((p) => [p, device(observation.paths[p])])), 'type and numbers of each default device').toEqual(
      Object.fromEntries(Object.entries(wanted).map(([p, [major, minor]]) => [p, { type: 'character special file', major, minor }])));
  });

  requirement('linux.default-devices.ptmx', '/dev/ptmx is the container\'s /dev/pts/ptmx', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { observation } = await probe(ctx);
    const ptmx = observation.paths['/dev/ptmx'];
    // Either a symlink into /dev/pts, or the devpts instance's ptmx bind-mounted on /dev/ptmx.
    const seen = ptmx?.kind === 'link'
      ? { via: 'symlink', to: ptmx.target.replace(/^\/dev\//, '') }
      : { via: `${visibleMount(observation.mounts, '/dev/ptmx')?.fsType ?? 'no'} mount`, ...device(ptmx) };
    expect(seen, '/dev/ptmx').toEqual(ptmx?.kind === 'link'
      ? { via: 'symlink', to: 'pts/ptmx' }
      : { via: 'devpts mount', type: 'character special file', major: 5, minor: 2 });
    expect(visibleMount(observation.mounts, '/dev/pts')?.fsType, 'the filesystem at /dev/pts, where ptmx leads').toBe('devpts');
  });

  requirement('linux.dev-symlinks.fd', '/dev/fd is a symlink to /proc/self/fd', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { observation } = await probe(ctx);
    expect(observation.paths['/dev/fd'], '/dev/fd').toEqual({ kind: 'link', target: '/proc/self/fd' });
  });

  requirement('linux.dev-symlinks.stdio', '/dev/stdin, stdout and stderr are symlinks to /proc/self/fd/0, 1 and 2', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { observation } = await probe(ctx);
    const links = ['/dev/stdin', '/dev/stdout', '/dev/stderr'];
    expect(links.map((p) => observation.paths[p]), links.join(', ')).toEqual(
      [0, 1, 2].map((fd) => ({ kind: 'link', target: `/proc/self/fd/${fd}` })));
  });

  requirement('linux.fds.stdio-only', 'the process starts with only stdin, stdout and stderr open, whatever the runtime inherited', async (ctx) => {
    // The runtime is started with fd 42 open and not close-on-exec, as a careless caller leaves
    // one: only --preserve-fds may pass a descriptor on, so the process must not get it. Above 9,
    // where Node (a runtime written in it) leaves descriptors as they are; bash can open it.
    if (!(await ctx.runner.isExecutable('/bin/bash'))) return ctx.skip('no /bin/bash where the runtime runs, to start it with a descriptor above 9 open');
    const runtime = await runtimeStartedBy(ctx, 'runtime-with-fd-42', '/bin/bash', 'exec 42</dev/null');
    const inherited = await openAtExec(ctx, runtime, ctx.id);
    expect(inherited.map((f) => f.fd), `descriptors open at exec: ${inherited.map((f) => `${f.fd} -> ${f.target}`).join(', ')}`).toEqual([0, 1, 2]);
  });

  requirement('cli.create.preserve-fds', 'run --preserve-fds 2 passes the runtime\'s descriptors 3 and 4 on, open; without it neither comes through', async (ctx) => {
    // The runtime is started with 3 and 4 open on files of the test's (a caller passing them,
    // as systemd's socket activation does); 5, open too, is beyond the 2 asked for.
    if (!(await ctx.runner.isExecutable('/bin/bash'))) return ctx.skip('no /bin/bash where the runtime runs, to start it with descriptors 3 to 5 open');
    const passed = [3, 4, 5].map((fd) => join(ctx.workDir, `passed-${fd}`));
    await Promise.all(passed.map((file) => writeFile(file, 'passed\n')));
    const runtime = await runtimeStartedBy(ctx, 'runtime-with-fds', '/bin/bash', `exec 3<'${passed[0]}' 4<'${passed[1]}' 5<'${passed[2]}'`);
    const inheritedFds = async (id: string, preserveFds?: number): Promise<number[]> =>
      (await openAtExec(ctx, runtime, id, preserveFds === undefined ? {} : { preserveFds })).map((f) => f.fd);
    // The control: the same runtime, the same descriptors, no --preserve-fds.
    const control = await inheritedFds(ctx.newId());
    expectControlsDiffer('run without --preserve-fds', { 'fds 3 and 4 open': true }, { 'fds 3 and 4 open': control.includes(3) && control.includes(4) });
    expect(await inheritedFds(ctx.id, 2), 'descriptors open at exec with --preserve-fds 2').toEqual([0, 1, 2, 3, 4]);
  });

  requirement('linux.sysctl', 'each sysctl is set inside the container', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // Namespaced keys, each set to the other of 0 and 1 than it reads without the sysctl (the
    // control): a new network namespace takes net.ipv4.ip_forward from the host's (1 on a
    // machine that routes for containers), so no fixed value is sure to differ.
    const keys = ['net.ipv4.ip_forward', 'kernel.shm_rmid_forced'];
    const control = await probe(another(ctx), (b) => b, { sysctls: keys });
    const sysctl = Object.fromEntries(keys.map((k) => [k, control.observation.sysctls[k] === '1' ? '0' : '1']));
    const { observation } = await probe(ctx, (b) => b.edit((c) => void (c.linux!.sysctl = sysctl)), { sysctls: keys });
    expect(observation.sysctls, `values read from /proc/sys (without linux.sysctl: ${JSON.stringify(control.observation.sysctls)})`).toEqual(sysctl);
    expectControlsDiffer('values read from /proc/sys without linux.sysctl', sysctl, control.observation.sysctls);
  });

  requirement('linux.default-filesystems', 'proc, sysfs, devpts and tmpfs are at /proc, /sys, /dev/pts and /dev/shm', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const wanted = { '/proc': 'proc', '/sys': 'sysfs', '/dev/pts': 'devpts', '/dev/shm': 'tmpfs' };
    const { observation } = await probe(ctx);
    expect(Object.fromEntries(Object.keys(wanted).map((p) => [p, visibleMount(observation.mounts, p)?.fsType ?? 'no mount'])),
      'filesystem type mounted at each path').toEqual(wanted);
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { defaultConfig } from '../../src/bundle/bundle-builder.js';
import { runProbe } from '../../src/fixtures/probe.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { describeRuntimes, skipIfLimited, type Bundle } from '../../src/fixtures/test-context.js';
import type { PathInfo } from '../../src/probe/observation.js';
import { openRuntime } from '../../src/runtime/resolve.js';
import type { OciConfig } from '../../src/spec/config.js';
import { plant, probe, shell, visibleMount } from './helpers.js';

/** Type and device numbers of a path as the probe saw it, or what it was instead. */
function device(info: PathInfo | undefined): { type: string; major?: number; minor?: number } {
  if (info === undefined) return { type: 'not described by the probe' };
  if (info.kind === 'missing') return { type: 'missing' };
  if (info.kind === 'link') return { type: `symlink to ${info.target}` };
  return { type: info.type, major: info.major, minor: info.minor };
}

/**
 * For each path: `PATH refused` when it cannot be read, else what reading it gave (bytes of a
 * file, entries of a directory), or `PATH missing`.
 */
const READ_EACH = `for p in "$@"; do
  if [ -d "$p" ]; then n=$(ls -A "$p" 2>/dev/null | wc -l); ls "$p" >/dev/null 2>&1 && echo "$p entries:$n" || echo "$p refused"
  elif [ -e "$p" ]; then n=$(cat "$p" 2>/dev/null | wc -c); cat "$p" >/dev/null 2>&1 && echo "$p bytes:$n" || echo "$p refused"
  else echo "$p missing"; fi
done`;

/** For each path: `PATH written` or `PATH refused`, trying to create a file in a directory or to open a file for writing. */
const WRITE_EACH = `for p in "$@"; do
  if [ -d "$p" ]; then touch "$p/.rtc-write" 2>/dev/null && { rm -f "$p/.rtc-write"; echo "$p written"; } || echo "$p refused"
  elif [ -e "$p" ]; then (: >> "$p") 2>/dev/null && echo "$p written" || echo "$p refused"
  else echo "$p missing"; fi
done`;

const shellArgs = (script: string, paths: string[]): string => `set -- ${paths.join(' ')}\n${script}`;

describeRuntimes('filesystem: masked and read-only paths, devices, /dev, sysctl, descriptors', (requirement) => {
  requirement('linux.masked-paths.unreadable', 'masked files read as empty and masked directories as empty', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // Paths of the rootfs with content, so masking is all that can make them read empty.
    const planted = ['/rtc-masked-file', '/rtc-masked-dir'];
    const masked = [...planted, ...(defaultConfig().linux?.maskedPaths ?? [])];
    const run = await shell(ctx, (b) => b.edit((c) => void (c.linux!.maskedPaths = masked)), shellArgs(READ_EACH, masked),
      (bundle) => plant(join(bundle.dir, 'rootfs'), { 'rtc-masked-file': 'secret\n', 'rtc-masked-dir/secret': 'secret\n' }));
    // Empty, refused, or (for a default entry this kernel lacks) missing: nothing can be read.
    const seen = Object.fromEntries(masked.map((p) => {
      const fact = run.facts[p] ?? '(not reported)';
      return [p, /^(bytes:0|entries:0|refused)$/.test(fact) || (fact === 'missing' && !planted.includes(p)) ? 'unreadable' : fact];
    }));
    expect(seen, 'what reading each masked path gave').toEqual(Object.fromEntries(masked.map((p) => [p, 'unreadable'])));
  });

  requirement('linux.readonly-paths.read-only', 'read-only paths cannot be written and are mounted ro', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const planted = ['/rtc-ro-dir', '/rtc-ro-file'];
    const readonly = [...planted, ...(defaultConfig().linux?.readonlyPaths ?? [])];
    // Writable without the option (root owns them, mode 644/755): the read-only mount is what refuses.
    const tried = [...planted, '/rtc-ro-dir/file', '/proc/sys/kernel/domainname', '/rtc-rw-dir'];
    const run = await shell(ctx, (b) => b.edit((c) => void (c.linux!.readonlyPaths = readonly)), shellArgs(WRITE_EACH, tried),
      (bundle) => plant(join(bundle.dir, 'rootfs'), { 'rtc-ro-dir/file': 'x\n', 'rtc-ro-file': 'x\n', 'rtc-rw-dir/file': 'x\n' }));
    const present = readonly.filter((p) => run.mounts.some((m) => m.mountPoint === p));
    expect({
      writes: Object.fromEntries(tried.map((p) => [p, run.facts[p]])),
      roMounts: Object.fromEntries(readonly.map((p) => [p, visibleMount(run.mounts, p)?.options.includes('ro') ?? 'no mount'])),
    }, 'writes to read-only paths (/rtc-rw-dir is not one: the control); ro in the options of each path\'s mount').toEqual({
      writes: Object.fromEntries(tried.map((p) => [p, p === '/rtc-rw-dir' ? 'written' : 'refused'])),
      // A default entry this kernel lacks (/proc/asound, …) has nothing to mount.
      roMounts: Object.fromEntries(readonly.map((p) => [p, planted.includes(p) || present.includes(p) ? true : 'no mount'])),
    });
  });

  requirement('linux.devices.created', 'each configured device exists at its path with its type and numbers', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const devices = [
      { path: '/dev/rtc-char', type: 'c', major: 1, minor: 3 },
      { path: '/dev/rtc-block', type: 'b', major: 7, minor: 0 },
      { path: '/dev/rtc-fifo', type: 'p' },
    ];
    const { observation } = await probe(ctx, (b) => b.edit((c) => void (c.linux!.devices = devices)), { paths: devices.map((d) => d.path) });
    const TYPE: Record<string, string> = { c: 'character special file', b: 'block special file', p: 'fifo' };
    expect(Object.fromEntries(devices.map((d) => [d.path, device(observation.paths[d.path])])), 'type and numbers of each device path').toEqual(
      Object.fromEntries(devices.map((d) => [d.path, { type: TYPE[d.type], major: d.major ?? 0, minor: d.minor ?? 0 }])));
  });

  requirement('linux.devices.mode-owner', 'a device gets its fileMode, uid and gid', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // 0662 has bits a 022 umask would clear: the mode must be fileMode, not fileMode & ~umask.
    const dev = { path: '/dev/rtc-owned', type: 'c', major: 1, minor: 3, fileMode: 0o662, uid: 1234, gid: 2345 };
    const { observation } = await probe(ctx, (b) => b.edit((c) => void (c.linux!.devices = [dev])), { paths: [dev.path] });
    const info = observation.paths[dev.path];
    expect(info?.kind === 'present' ? { mode: info.mode, uid: info.uid, gid: info.gid } : info, `mode and owner of ${dev.path}`)
      .toEqual({ mode: '662', uid: 1234, gid: 2345 });
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
    const { observation } = await probe(ctx, (b) => b.edit((c) => {
      c.mounts = [...(c.mounts ?? []), { destination: '/rtc-devices', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] }];
      c.linux!.devices = [{ path, type: 'c', major: 1, minor: 3 }];
    }), { paths: [path] });
    expect(device(observation.paths[path]), `type and numbers of ${path}`).toEqual({ type: 'character special file', major: 1, minor: 3 });
  });

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
    const wrapper = join(ctx.workDir, 'runtime-with-fd-42');
    await writeFile(wrapper, `#!/bin/bash\nexec 42</dev/null\nexec '${ctx.runtime.binary}' "$@"\n`, { mode: 0o755 });
    const runtime = openRuntime({ profile: ctx.runtime.profile, binary: wrapper }, {
      runner: ctx.runner, workDir: join(ctx.workDir, 'wrapped-runtime'),
      root: ctx.selection.root, callTimeoutMs: ctx.run.plan.callTimeoutMs,
    });
    const { observation } = await runProbe({ runtime, id: ctx.id, bundle: ctx.bundle });
    // Close-on-exec descriptors are the probe shell's own: whatever came through exec lacks the flag.
    const inherited = observation.fds.filter((f) => !f.closeOnExec);
    expect(inherited.map((f) => f.fd), `descriptors open at exec: ${inherited.map((f) => `${f.fd} -> ${f.target}`).join(', ')}`).toEqual([0, 1, 2]);
  });

  requirement('linux.sysctl', 'each sysctl is set inside the container', async (ctx) => {
    skipIfLimited(ctx, 'noProcessIsolation');
    // Namespaced keys, against the defaults of a new namespace (0 both): the runtime set them.
    const sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shm_rmid_forced': '1' };
    const { observation } = await probe(ctx, (b) => b.edit((c) => void (c.linux!.sysctl = sysctl)), { sysctls: Object.keys(sysctl) });
    expect(observation.sysctls, 'values read from /proc/sys').toEqual(sysctl);
  });

  requirement('linux.default-filesystems', 'proc, sysfs, devpts and tmpfs are at /proc, /sys, /dev/pts and /dev/shm', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const wanted = { '/proc': 'proc', '/sys': 'sysfs', '/dev/pts': 'devpts', '/dev/shm': 'tmpfs' };
    const { observation } = await probe(ctx);
    expect(Object.fromEntries(Object.keys(wanted).map((p) => [p, visibleMount(observation.mounts, p)?.fsType ?? 'no mount'])),
      'filesystem type mounted at each path').toEqual(wanted);
  });
});

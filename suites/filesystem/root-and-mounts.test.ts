import { chmod, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import { buildBusyboxRootfs } from '../../src/bundle/rootfs.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { ownDir } from '../../src/fixtures/own-dir.js';
import { shellOnTarget } from '../../src/fixtures/shell-on-target.js';
import { describeRuntimes, skipIfLimited, type Bundle, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { unsupportedByItsOwnWord } from '../../src/fixtures/unsupported.js';
import type { Mount } from '../../src/probe/observation.js';
import { acceptedWithout, another, expectControlsDiffer, skipWhereControlsSame } from '../control.js';
import { plant, probe, shell, shellFrom, visibleMount, withHostTmpfs, withSubmount } from './helpers.js';

/** Propagation words of a mountinfo line, numbers dropped: ['shared'], ['master'], ['unbindable'] or []. */
const propagationKinds = (mount: Mount | undefined): string[] | undefined => mount?.propagation.map((p) => p.split(':')[0]!);

/** A second busybox rootfs, where a runtime that resolves a path wrongly would find it. */
async function decoyRootfs(ctx: RuntimeTestContext, dir: string, marker: string): Promise<void> {
  await buildBusyboxRootfs(dir, ctx.run.rootfsTemplate);
  await plant(dir, { 'rtc-root-marker': `${marker}\n` });
}

describeRuntimes('filesystem: root and mounts', (requirement) => {
  requirement('config.root.writable-by-default', 'without root.readonly the root filesystem is writable', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { observation } = await probe(ctx, (b) => b.edit((c) => void delete c.root!.readonly));
    expect(observation.rootWritable, 'a file can be created in / (root_writable)').toBe(true);
  });

  requirement('config.root.readonly', 'with root.readonly true writes to the root filesystem fail', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { observation } = await probe(ctx, (b) => b.edit((c) => void (c.root!.readonly = true)));
    expect(observation.rootWritable, 'a file can be created in / (root_writable)').toBe(false);
    // The control: the same root without readonly, so a refused write is the option's doing.
    const control = await probe(another(ctx), (b) => b.edit((c) => void (c.root!.readonly = false)));
    expectControlsDiffer('a file created in / with root.readonly false', { 'root.readonly': false }, { 'root.readonly': control.observation.rootWritable });
  });

  requirement('config.root.path-absolute', 'an absolute root.path outside the bundle is the root filesystem', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const elsewhere = join(ctx.workDir, 'rtc-absolute-root');
    // The bundle's own rootfs is moved there: no other root has the marker, and none is left at
    // the default path.
    const run = await shell(ctx, (b) => b.rootPath(elsewhere), 'cat /rtc-root-marker', async (bundle) => {
      await rename(join(bundle.dir, 'rootfs'), elsewhere);
      await plant(elsewhere, { 'rtc-root-marker': 'absolute\n' });
    });
    expect(run.stdout.split('\n')[0], `the marker in ${elsewhere} (stderr: ${run.stderr.trim()})`).toBe('absolute');
  });

  requirement('bundle.root-path', 'a relative root.path is taken from the bundle, not from the caller\'s working directory', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // The caller's directory holds a complete rootfs of the same name: taking root.path from
    // there would run, and say so.
    const caller = join(ctx.workDir, 'caller');
    await decoyRootfs(ctx, join(caller, 'rtc-image'), 'caller');
    const run = await shellFrom(ctx, caller, (b) => b.rootPath('rtc-image'), 'cat /rtc-root-marker', async (bundle) => {
      await rename(join(bundle.dir, 'rootfs'), join(bundle.dir, 'rtc-image'));
      await plant(join(bundle.dir, 'rtc-image'), { 'rtc-root-marker': 'bundle\n' });
    });
    expect(run.stdout.trim(), 'the marker the container sees: bundle/rtc-image has "bundle", the caller\'s rtc-image "caller"').toBe('bundle');
  });

  // The fake too: it uses no rootfs, but checks that root.path exists.
  requirement('config.root.missing-error', 'create fails when nothing is at root.path', async (ctx) => {
    const b = await ctx.bundle((c) => c.args('true').rootPath('rtc-no-such-root'));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, 'a root.path where nothing is', (c) => c.args('true'));
  });

  requirement('config.mounts.applied', 'each mount appears at its destination with its type and source', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const wanted = [
      { destination: '/rtc-tmpfs', type: 'tmpfs', source: 'rtc-tmpfs-source' },
      { destination: '/rtc-mqueue', type: 'mqueue', source: 'rtc-mqueue-source' },
    ];
    // No control run: the rootfs has nothing at these destinations, so without the mounts no
    // mountinfo line has them (the same for the other mounts at fresh /rtc-* destinations below).
    const { observation } = await probe(ctx, (b) => wanted.reduce((acc, m) => acc.mount(m), b));
    const seen = wanted.map((m) => {
      const mount = visibleMount(observation.mounts, m.destination);
      return { destination: m.destination, type: mount?.fsType, source: mount?.source };
    });
    expect(seen, 'mountinfo at each destination').toEqual(wanted);
  });

  requirement('config.mounts.order', 'mounts are made in order: a later mount at or above an earlier one covers it', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const host = join(ctx.workDir, 'order-source');
    await plant(host, { 'from-host': 'x\n' });
    const { observation } = await probe(ctx, (b) => b
      // The same destination twice, each way round: what shows is the later one.
      .mount({ destination: '/rtc-bind-then-tmpfs', type: 'bind', source: host, options: ['bind'] })
      .mount({ destination: '/rtc-bind-then-tmpfs', type: 'tmpfs', source: 'rtc-later' })
      .mount({ destination: '/rtc-tmpfs-then-bind', type: 'tmpfs', source: 'rtc-earlier' })
      .mount({ destination: '/rtc-tmpfs-then-bind', type: 'bind', source: host, options: ['bind'] })
      // A later mount above an earlier one's destination hides it.
      .mount({ destination: '/rtc-above/inner', type: 'tmpfs', source: 'rtc-inner' })
      .mount({ destination: '/rtc-above', type: 'tmpfs', source: 'rtc-outer' }),
    { paths: ['/rtc-bind-then-tmpfs/from-host', '/rtc-tmpfs-then-bind/from-host', '/rtc-above/inner'] });
    const exists = (p: string): boolean => observation.paths[p]?.kind === 'present';
    // A covered mount shows only in mountinfo: each destination's mounts, in the order made
    // (the tmpfs by their source, the binds as "bind"). Without the mounts the destinations have
    // none, and the covered ones would read the same as covered: the mountinfo lines are what
    // tells a covered mount from one never made.
    const made = (p: string): string[] => observation.mounts.filter((m) => m.mountPoint === p).map((m) => (m.source.startsWith('rtc-') ? m.source : 'bind'));
    expect({
      'bind then tmpfs: the host file shows': exists('/rtc-bind-then-tmpfs/from-host'),
      'tmpfs then bind: the host file shows': exists('/rtc-tmpfs-then-bind/from-host'),
      'tmpfs at /rtc-above/inner then /rtc-above: inner shows': exists('/rtc-above/inner'),
      'mounts at /rtc-bind-then-tmpfs': made('/rtc-bind-then-tmpfs'),
      'mounts at /rtc-tmpfs-then-bind': made('/rtc-tmpfs-then-bind'),
      'mounts at /rtc-above/inner': made('/rtc-above/inner'),
      'mounts at /rtc-above': made('/rtc-above'),
    }, 'what each pair of mounts lets through, by the order they are listed in, and the mounts mountinfo has at each destination').toEqual({
      'bind then tmpfs: the host file shows': false,
      'tmpfs then bind: the host file shows': true,
      'tmpfs at /rtc-above/inner then /rtc-above: inner shows': false,
      'mounts at /rtc-bind-then-tmpfs': ['bind', 'rtc-later'],
      'mounts at /rtc-tmpfs-then-bind': ['rtc-earlier', 'bind'],
      'mounts at /rtc-above/inner': ['rtc-inner'],
      'mounts at /rtc-above': ['rtc-outer'],
    });
  });

  requirement('config.mounts.relative-destination', 'a relative destination is taken from the container\'s /', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { observation } = await probe(ctx, (b) => b.mount({ destination: 'rtc-relative', type: 'tmpfs', source: 'rtc-relative-source' }));
    const mount = visibleMount(observation.mounts, '/rtc-relative');
    expect({ type: mount?.fsType, source: mount?.source }, 'mountinfo at /rtc-relative').toEqual({ type: 'tmpfs', source: 'rtc-relative-source' });
  });

  requirement('config.mounts.bind-relative-source', 'a relative bind source is taken from the bundle directory', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const caller = join(ctx.workDir, 'caller');
    await plant(caller, { 'rtc-source/marker': 'caller\n' });
    const run = await shellFrom(ctx, caller,
      (b) => b.mount({ destination: '/rtc-bound', type: 'bind', source: 'rtc-source', options: ['bind'] }),
      'cat /rtc-bound/marker',
      (bundle) => plant(bundle.dir, { 'rtc-source/marker': 'bundle\n' }));
    expect(run.stdout.trim(), `/rtc-bound/marker: bundle/rtc-source has "bundle", the caller's rtc-source "caller" (stderr: ${run.stderr.trim()})`).toBe('bundle');
  });

  requirement('config.mounts.bind', 'a bind mount shows the source\'s files, and writes reach the source', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // The file is only in the source, and a file written at the destination reaches the source
    // only through the mount: without it neither shows.
    const host = join(ctx.workDir, 'bind-source');
    await plant(host, { 'from-host': 'written on the host\n' });
    const run = await shell(ctx, (b) => b.mount({ destination: '/rtc-bound', type: 'bind', source: host, options: ['bind'] }),
      'echo "read $(cat /rtc-bound/from-host)"; echo written inside > /rtc-bound/from-container');
    const back = await readFile(join(host, 'from-container'), 'utf8').catch((error: NodeJS.ErrnoException) => `(${error.code})`);
    expect({ read: run.facts.read, written: back.trim() }, 'what the container read, and what reached the source').toEqual({ read: 'written on the host', written: 'written inside' });
  });

  requirement('config.mounts.rbind', 'an rbind mount also brings the mounts beneath its source', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { run, source } = await withSubmount(ctx, 'rbind-source', async (source) => ({
      source,
      run: await shell(ctx, (b) => b.mount({ destination: '/rtc-rbound', type: 'bind', source, options: ['rbind'] }),
        'echo "inner $(cat /rtc-rbound/sub/inner-file 2>&1)"'),
    }));
    expect(run.facts.inner, `${source}/sub is a tmpfs holding inner-file: /rtc-rbound/sub/inner-file should read "inner"`).toBe('inner');
    expect(visibleMount(run.mounts, '/rtc-rbound/sub')?.fsType, 'mountinfo at /rtc-rbound/sub').toBe('tmpfs');
  });

  requirement('config.mounts.option-ro', 'ro: the mount is ro in mountinfo and writes to it fail', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const run = await shell(ctx, (b) => b
      .mount({ destination: '/rtc-ro', type: 'tmpfs', source: 'rtc-ro', options: ['ro'] })
      .mount({ destination: '/rtc-rw', type: 'tmpfs', source: 'rtc-rw' }),
    'for d in /rtc-ro /rtc-rw; do if touch $d/f 2>/dev/null; then echo "$d written"; else echo "$d refused"; fi; done');
    const ro = (p: string): boolean | undefined => visibleMount(run.mounts, p)?.options.includes('ro');
    expect({
      write: run.facts['/rtc-ro'], roFlag: ro('/rtc-ro'), controlWrite: run.facts['/rtc-rw'],
    }, 'a file created on the ro tmpfs (and on a tmpfs without ro, the control); ro in its mountinfo options').toEqual({
      write: 'refused', roFlag: true, controlWrite: 'written',
    });
    expectControlsDiffer('the ro flag of the tmpfs without ro', { ro: true }, { ro: ro('/rtc-rw') });
  });

  requirement('config.mounts.option-nosuid', 'nosuid shows as nosuid on the mount', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // Only the flag: a set-user-id busybox drops the privilege itself and hides its /proc
    // entries from the user it runs as, so its effect cannot be seen from inside.
    const { observation } = await probe(ctx, (b) => b
      .mount({ destination: '/rtc-nosuid', type: 'tmpfs', source: 'rtc-nosuid', options: ['nosuid'] })
      .mount({ destination: '/rtc-suid', type: 'tmpfs', source: 'rtc-suid' }));
    const nosuid = (p: string): boolean | undefined => visibleMount(observation.mounts, p)?.options.includes('nosuid');
    expect({ nosuid: nosuid('/rtc-nosuid'), control: nosuid('/rtc-suid') },
      'nosuid in the mountinfo options of the nosuid tmpfs (and of one without the option, the control)').toEqual({ nosuid: true, control: false });
  });

  requirement('config.mounts.option-nodev', 'nodev: the mount is nodev in mountinfo and a device node on it cannot be opened', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const run = await shell(ctx, (b) => b
      .mount({ destination: '/rtc-nodev-null', type: 'bind', source: '/dev/null', options: ['bind', 'nodev'] })
      .mount({ destination: '/rtc-null', type: 'bind', source: '/dev/null', options: ['bind'] }),
    'for d in /rtc-nodev-null /rtc-null; do if echo x 2>/dev/null > $d; then echo "$d opened"; else echo "$d refused"; fi; done');
    const nodev = (p: string): boolean | undefined => visibleMount(run.mounts, p)?.options.includes('nodev');
    expect({
      open: run.facts['/rtc-nodev-null'], nodevFlag: nodev('/rtc-nodev-null'), controlOpen: run.facts['/rtc-null'],
    }, '/dev/null bound with nodev opened for writing (and bound without it, the control); nodev in its mountinfo options').toEqual({
      open: 'refused', nodevFlag: true, controlOpen: 'opened',
    });
    // A bind keeps its source's flags: the control shows the source's mount is not nodev itself.
    expectControlsDiffer('the nodev flag of /dev/null bound without nodev', { nodev: true }, { nodev: nodev('/rtc-null') });
  });

  requirement('config.mounts.option-noexec', 'noexec: the mount is noexec in mountinfo and programs on it cannot be executed', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const host = join(ctx.workDir, 'exec-source');
    await plant(host, { 'run.sh': '#!/bin/sh\necho ran\n' });
    await chmod(join(host, 'run.sh'), 0o755);
    const run = await shell(ctx, (b) => b
      .mount({ destination: '/rtc-noexec', type: 'bind', source: host, options: ['bind', 'noexec'] })
      .mount({ destination: '/rtc-exec', type: 'bind', source: host, options: ['bind'] }),
    'for d in /rtc-noexec /rtc-exec; do if out=$($d/run.sh 2>/dev/null); then echo "$d $out"; else echo "$d refused"; fi; done');
    const noexec = (p: string): boolean | undefined => visibleMount(run.mounts, p)?.options.includes('noexec');
    expect({
      exec: run.facts['/rtc-noexec'], noexecFlag: noexec('/rtc-noexec'), controlExec: run.facts['/rtc-exec'],
    }, 'a script run from the noexec mount (and from a mount without noexec, the control); noexec in its mountinfo options').toEqual({
      exec: 'refused', noexecFlag: true, controlExec: 'ran',
    });
    // A bind keeps its source's flags: the control shows the source's mount is not noexec itself.
    expectControlsDiffer('the noexec flag of the same source bound without noexec', { noexec: true }, { noexec: noexec('/rtc-exec') });
  });

  requirement('config.mounts.option-atime', 'the atime options show as the matching mount flags', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    type Flags = { noatime: boolean; relatime: boolean; nodiratime: boolean };
    const cases: Record<string, { options: string[]; flags: Flags; bind?: true }> = {
      '/rtc-noatime': { options: ['noatime'], flags: { noatime: true, relatime: false, nodiratime: false } },
      // strictatime clears relatime and noatime: neither shows.
      '/rtc-strictatime': { options: ['strictatime'], flags: { noatime: false, relatime: false, nodiratime: false } },
      '/rtc-relatime': { options: ['relatime', 'nodiratime'], flags: { noatime: false, relatime: true, nodiratime: true } },
      // A new tmpfs is relatime without the option too (the kernel's default): relatime shows
      // the runtime applied it only on a mount that would be otherwise without it. A bind keeps
      // its source's atime flags, so this one, of a noatime tmpfs, is noatime without relatime.
      '/rtc-relatime-bind': { options: ['bind', 'relatime'], flags: { noatime: false, relatime: true, nodiratime: false }, bind: true },
    };
    // The controls, without atime options: a tmpfs (relatime, the kernel's), a bind of the same source (noatime, its source's).
    const controls = { tmpfs: '/rtc-atime-default', bind: '/rtc-atime-bind-default' };
    const source = join(ctx.workDir, 'noatime-source');
    const { observation } = await withHostTmpfs(ctx, source, 'size=1m,noatime', '', () => probe(ctx, (b) => Object.entries(cases)
      .reduce((acc, [destination, { options, bind }]) => acc.mount(bind ? { destination, type: 'bind', source, options } : { destination, type: 'tmpfs', source: 'rtc-atime', options }), b)
      .mount({ destination: controls.tmpfs, type: 'tmpfs', source: 'rtc-atime' })
      .mount({ destination: controls.bind, type: 'bind', source, options: ['bind'] })));
    const flags = (destination: string): Flags => {
      const options = visibleMount(observation.mounts, destination)?.options ?? [];
      return { noatime: options.includes('noatime'), relatime: options.includes('relatime'), nodiratime: options.includes('nodiratime') };
    };
    const seen = Object.fromEntries(Object.keys(cases).map((destination) => [destination, flags(destination)]));
    const wanted = Object.fromEntries(Object.entries(cases).map(([d, { flags: f }]) => [d, f]));
    expect(seen, 'atime flags in mountinfo, by mount').toEqual(wanted);
    // Each option by the flag it sets or clears, against its control mount. relatime on the
    // tmpfs is left out: its control is relatime too, which is why the bind case is there.
    const entries: [option: string, destination: string, flag: keyof Flags, control: string][] = [
      ['noatime', '/rtc-noatime', 'noatime', controls.tmpfs],
      ['strictatime', '/rtc-strictatime', 'relatime', controls.tmpfs],
      ['nodiratime', '/rtc-relatime', 'nodiratime', controls.tmpfs],
      ['relatime', '/rtc-relatime-bind', 'relatime', controls.bind],
    ];
    expectControlsDiffer('atime flags of the mounts without atime options',
      Object.fromEntries(entries.map(([option, d, flag]) => [`${option} (${flag} at ${d})`, wanted[d]![flag]])),
      Object.fromEntries(entries.map(([option, d, flag, control]) => [`${option} (${flag} at ${d})`, flags(control)[flag]])));
  });

  requirement('config.mounts.option-propagation', 'shared, slave, private and unbindable give the mount that propagation', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // A bind of the shared mount joins its peer group unless its option says otherwise: private
    // and slave are binds of it, so that without the option each would be shared (/rtc-peer, the
    // control of both); shared and unbindable are tmpfs, against a tmpfs without an option.
    const binds = ['/rtc-private', '/rtc-slave', '/rtc-peer'];
    const { observation } = await probe(ctx, (b) => b
      .mount({ destination: '/rtc-shared', type: 'tmpfs', source: 'rtc-shared', options: ['shared'] })
      .mount({ destination: '/rtc-private', type: 'bind', source: 'set in prepare', options: ['bind', 'private'] })
      .mount({ destination: '/rtc-unbindable', type: 'tmpfs', source: 'rtc-unbindable', options: ['unbindable'] })
      // slave turns joining the shared mount's peer group into receiving from it.
      .mount({ destination: '/rtc-slave', type: 'bind', source: 'set in prepare', options: ['bind', 'slave'] })
      .mount({ destination: '/rtc-peer', type: 'bind', source: 'set in prepare', options: ['bind'] })
      .mount({ destination: '/rtc-propagation-default', type: 'tmpfs', source: 'rtc-propagation-default' }),
    {}, async (bundle) => {
      for (const mount of bundle.config.mounts!.filter((m) => binds.includes(m.destination))) mount.source = join(bundle.dir, 'rootfs', 'rtc-shared');
      await bundle.rewrite(bundle.config);
    });
    const at = (p: string): Mount | undefined => visibleMount(observation.mounts, p);
    const sharedGroup = at('/rtc-shared')?.propagation.find((p) => p.startsWith('shared:'))?.slice('shared:'.length);
    expect({
      shared: propagationKinds(at('/rtc-shared')),
      private: propagationKinds(at('/rtc-private')),
      unbindable: propagationKinds(at('/rtc-unbindable')),
      slave: at('/rtc-slave')?.propagation,
    }, 'optional fields of each mount\'s mountinfo line').toEqual({
      shared: ['shared'],
      private: [],
      unbindable: ['unbindable'],
      slave: [`master:${sharedGroup ?? '(the shared group of /rtc-shared)'}`],
    });
    const tmpfs = propagationKinds(at('/rtc-propagation-default'));
    const peer = propagationKinds(at('/rtc-peer'));
    expectControlsDiffer('propagation of the same mounts without a propagation option', {
      shared: ['shared'], private: [], unbindable: ['unbindable'], slave: ['master'],
    }, { shared: tmpfs, private: peer, unbindable: tmpfs, slave: peer });
  });

  requirement('config.mounts.option-recursive', 'rro makes the mount and every mount beneath it read-only', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const rro = (source: string) => (b: BundleBuilder): BundleBuilder => b.mount({ destination: '/rtc-rro', type: 'bind', source, options: ['rbind', 'rro'] });
    if (await unsupportedByItsOwnWord(ctx, { list: 'mountOptions', needs: ['rro'], trial: rro(ctx.workDir) })) return;
    // The control: the same source bound recursively without rro.
    const run = await withSubmount(ctx, 'rro-source', (source) => shell(ctx, (b) => rro(source)(b)
      .mount({ destination: '/rtc-rbind', type: 'bind', source, options: ['rbind'] }),
    'for d in /rtc-rro /rtc-rro/sub /rtc-rbind /rtc-rbind/sub; do if touch $d/f 2>/dev/null; then echo "$d written"; else echo "$d refused"; fi; done'));
    const seen = (at: string): Record<string, unknown> => {
      const ro = (p: string): boolean | undefined => visibleMount(run.mounts, p)?.options.includes('ro');
      return { top: { write: run.facts[at], ro: ro(at) }, beneath: { write: run.facts[`${at}/sub`], ro: ro(`${at}/sub`) } };
    };
    const expected = { top: { write: 'refused', ro: true }, beneath: { write: 'refused', ro: true } };
    expect(seen('/rtc-rro'), 'a file created on the rro mount and on the tmpfs beneath it; ro in their mountinfo options').toEqual(expected);
    expectControlsDiffer('the same source bound without rro', expected, seen('/rtc-rbind'));
  });

  requirement('config.mounts.option-nosymfollow', 'nosymfollow: the mount is nosymfollow in mountinfo and symlinks on it are not followed', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const nosymfollow = (b: BundleBuilder): BundleBuilder => b.mount({ destination: '/rtc-nosymfollow', type: 'tmpfs', source: 'rtc-nosymfollow', options: ['nosymfollow'] });
    if (await unsupportedByItsOwnWord(ctx, { list: 'mountOptions', needs: ['nosymfollow'], trial: nosymfollow })) return;
    // The control: a tmpfs without the option, the same link on it.
    const run = await shell(ctx, (b) => nosymfollow(b).mount({ destination: '/rtc-symfollow', type: 'tmpfs', source: 'rtc-symfollow' }),
      'for d in /rtc-nosymfollow /rtc-symfollow; do ln -s /etc/passwd $d/link; if cat $d/link >/dev/null 2>&1; then echo "$d followed"; else echo "$d refused"; fi; done');
    const seen = (d: string): Record<string, unknown> => ({ link: run.facts[d], flag: visibleMount(run.mounts, d)?.options.includes('nosymfollow') });
    const expected = { link: 'refused', flag: true };
    expect(seen('/rtc-nosymfollow'), 'reading through a symlink on the nosymfollow mount; nosymfollow in its mountinfo options').toEqual(expected);
    expectControlsDiffer('a tmpfs without nosymfollow', expected, seen('/rtc-symfollow'));
  });

  requirement('config.mounts.fs-specific-options', 'tmpfs size= and mode= reach the filesystem and take effect', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // The control: a tmpfs without the options (half the memory, mode 1777 by the kernel's default).
    const { observation } = await probe(ctx, (b) => b.mount({ destination: '/rtc-sized', type: 'tmpfs', source: 'rtc-sized', options: ['size=1m', 'mode=0710'] })
      .mount({ destination: '/rtc-unsized', type: 'tmpfs', source: 'rtc-unsized' }), { paths: ['/rtc-sized', '/rtc-unsized'] });
    const seen = (p: string): { size: string | undefined; bytes: number | undefined; mode: string | undefined } => {
      const info = observation.paths[p];
      // The kernel writes 1 MiB as size=1024k, gVisor as size=1m: the same size.
      const size = visibleMount(observation.mounts, p)?.superOptions.find((o) => o.startsWith('size='));
      return { size, bytes: bytesOf(size), mode: info?.kind === 'present' ? info.mode : info?.kind };
    };
    const sized = seen('/rtc-sized');
    expect(sized, 'tmpfs size in mountinfo\'s super options, mode of /rtc-sized').toEqual({ size: sized.size, bytes: 1024 * 1024, mode: '710' });
    const unsized = seen('/rtc-unsized');
    expectControlsDiffer('a tmpfs without size= and mode=', { 'size=1m': 1024 * 1024, 'mode=0710': '710' }, { 'size=1m': unsized.bytes, 'mode=0710': unsized.mode });
  });

  requirement('config.mounts.idmap', 'idmap mounts map file owners through the container\'s user namespace, or through the mount\'s own mappings', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // Where the runtime runs, on a file system that can be idmapped (ownDir: not the file bridge).
    const host = ownDir(ctx, 'idmap-source');
    // On disk 1:1, which the container's mappings leave unmapped (it shows as the overflow id)
    // unless a mount maps it. Container root stays host root, so the rootfs needs no chown.
    await shellOnTarget(ctx, 'mkdir -p "$1" && printf "x\\n" > "$1/file" && chown 1:1 "$1/file"', host);
    const userns = [{ containerID: 0, hostID: 0, size: 1 }, { containerID: 1, hostID: 100_001, size: 65_535 }];
    if (await unsupportedByItsOwnWord(ctx, {
      list: 'idmapMounts', needs: ['idmap'],
      trial: (b) => b.namespace('user').edit((c) => void Object.assign(c.linux!, { uidMappings: userns, gidMappings: userns }))
        .mount({ destination: '/rtc-idmap', type: 'bind', source: host, options: ['bind', 'idmap'] }),
    })) return;
    const paths = ['/rtc-idmap/file', '/rtc-idmap-own/file', '/rtc-plain/file'];
    const { observation } = await probe(ctx, (b) => b
      .namespace('user')
      .edit((c) => void Object.assign(c.linux!, { uidMappings: userns, gidMappings: userns }))
      // On-disk 1 taken as container id 1: host 100001, container 1.
      .mount({ destination: '/rtc-idmap', type: 'bind', source: host, options: ['bind', 'idmap'] })
      // On-disk 1 is host 100002 (gid 100003) through the mount's own mappings: container 2 (3).
      .mount({
        destination: '/rtc-idmap-own', type: 'bind', source: host, options: ['bind', 'idmap'],
        uidMappings: [{ containerID: 1, hostID: 100_002, size: 1 }], gidMappings: [{ containerID: 1, hostID: 100_003, size: 1 }],
      })
      .mount({ destination: '/rtc-plain', type: 'bind', source: host, options: ['bind'] }),
    { paths });
    const owner = (p: string): string => {
      const info = observation.paths[p];
      return info?.kind === 'present' ? `${info.uid}:${info.gid}` : info?.kind ?? 'not described';
    };
    const expected = { containerMapping: '1:1', ownMapping: '2:3' };
    expect({ containerMapping: owner(paths[0]!), ownMapping: owner(paths[1]!) },
      `owner of an on-disk 1:1 file through each idmap mount (through a plain bind: ${owner(paths[2]!)})`).toEqual(expected);
    // The control: the plain bind, the same file without idmap.
    expectControlsDiffer('the owner of the file through a plain bind', expected, { containerMapping: owner(paths[2]!), ownMapping: owner(paths[2]!) });
  });

  requirement('config.mounts.idmap-without-mapping', 'idmap without mappings in a container without a user namespace is an error', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const host = join(ctx.workDir, 'idmap-source');
    await plant(host, { file: 'x\n' });
    const b = await ctx.bundle((c) => c.args('true').mount({ destination: '/rtc-idmap', type: 'bind', source: host, options: ['bind', 'idmap'] }));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
    await acceptedWithout(ctx, 'the idmap option', (c) => c.args('true').mount({ destination: '/rtc-idmap', type: 'bind', source: host, options: ['bind'] }));
  });

  /**
   * The root mount's propagation fields with rootfsPropagation set to `propagation` (`seen`
   * picks what the test checks of them), checked against `expected`; then, where a control
   * without rootfsPropagation reads the same (the root the runtime makes by default), the test
   * cannot tell whether the runtime applied the option: it skips, saying so. With `sharedRootfs`
   * the rootfs is a shared mount where the runtime runs (a bind of itself), so that a runtime's
   * default (a slave of it, for runc) differs from a private root.
   */
  const rootPropagation = async (ctx: RuntimeTestContext, propagation: string, expected: string[],
    { what = 'optional fields of the mountinfo line of /', seen = (f: string[] | undefined): string[] | undefined => f, sharedRootfs = false } = {}): Promise<void> => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const root = async (c: RuntimeTestContext, configure: (b: BundleBuilder) => BundleBuilder): Promise<string[] | undefined> => {
      let rootfs: string | undefined;
      const share = async (bundle: Bundle): Promise<void> => {
        rootfs = join(bundle.dir, 'rootfs');
        await shellOnTarget(ctx, 'mount --bind "$1" "$1" && mount --make-shared "$1"', rootfs);
      };
      try {
        return seen(propagationKinds(visibleMount((await probe(c, configure, {}, sharedRootfs ? share : undefined)).observation.mounts, '/')));
      } finally {
        if (rootfs !== undefined) await shellOnTarget(ctx, 'umount "$1"', rootfs);
      }
    };
    const fields = await root(ctx, (b) => b.edit((c) => void (c.linux!.rootfsPropagation = propagation)));
    expect(fields, what).toEqual(expected);
    const control = await root(another(ctx), (b) => b.edit((c) => void delete c.linux!.rootfsPropagation));
    const entry = `rootfsPropagation ${propagation}`;
    skipWhereControlsSame(ctx, what, { [entry]: expected }, { [entry]: control },
      `the root mount ${ctx.runtime.name} makes without rootfsPropagation${sharedRootfs ? ', the rootfs a shared mount' : ''}`);
  };
  requirement('linux.rootfs-propagation', 'rootfsPropagation shared makes the root mount shared', async (ctx) => {
    await rootPropagation(ctx, 'shared', ['shared']);
  });
  requirement('linux.rootfs-propagation', 'rootfsPropagation private makes the root mount private', async (ctx) => {
    await rootPropagation(ctx, 'private', [], { sharedRootfs: true });
  });
  requirement('linux.rootfs-propagation', 'rootfsPropagation unbindable makes the root mount unbindable', async (ctx) => {
    await rootPropagation(ctx, 'unbindable', ['unbindable']);
  });
  requirement('linux.rootfs-propagation', 'rootfsPropagation slave makes the root mount neither shared nor unbindable', async (ctx) => {
    // A slave with no master (the rootfs is a peer of nothing here) is private: a master field
    // may show or not.
    await rootPropagation(ctx, 'slave', [], { what: 'optional fields of the mountinfo line of /, master:N aside', seen: (fields) => fields?.filter((f) => f !== 'master') });
  });
});

/** A tmpfs size= option in bytes: a number with an optional k, m or g suffix (as mountinfo writes it). */
function bytesOf(option: string | undefined): number | undefined {
  const m = /^size=(\d+)([kmg]?)$/i.exec(option ?? '');
  if (!m) return undefined;
  return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()] ?? 1);
}

import { chmod, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { BundleBuilder } from '../../src/bundle/bundle-builder.js';
import { buildBusyboxRootfs } from '../../src/bundle/rootfs.js';
import { refusal } from '../../src/fixtures/refusal.js';
import { ownDir } from '../../src/fixtures/own-dir.js';
import { where } from '../../src/fixtures/where.js';
import { describeRuntimes, skipIfLimited, type RuntimeTestContext } from '../../src/fixtures/test-context.js';
import { unsupportedByItsOwnWord } from '../../src/fixtures/unsupported.js';
import type { Mount } from '../../src/probe/observation.js';
import { plant, probe, shell, shellFrom, visibleMount, withSubmount } from './helpers.js';

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
  });

  requirement('config.root.path-absolute', 'an absolute root.path outside the bundle is the root filesystem', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const elsewhere = join(ctx.workDir, 'rtc-absolute-root');
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
  });

  requirement('config.mounts.applied', 'each mount appears at its destination with its type and source', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const wanted = [
      { destination: '/rtc-tmpfs', type: 'tmpfs', source: 'rtc-tmpfs-source' },
      { destination: '/rtc-mqueue', type: 'mqueue', source: 'rtc-mqueue-source' },
    ];
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
    expect({
      'bind then tmpfs: the host file shows': exists('/rtc-bind-then-tmpfs/from-host'),
      'tmpfs then bind: the host file shows': exists('/rtc-tmpfs-then-bind/from-host'),
      'tmpfs at /rtc-above/inner then /rtc-above: inner shows': exists('/rtc-above/inner'),
    }, 'what each pair of mounts lets through, by the order they are listed in').toEqual({
      'bind then tmpfs: the host file shows': false,
      'tmpfs then bind: the host file shows': true,
      'tmpfs at /rtc-above/inner then /rtc-above: inner shows': false,
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
    expect({
      write: run.facts['/rtc-ro'], roFlag: visibleMount(run.mounts, '/rtc-ro')?.options.includes('ro'), controlWrite: run.facts['/rtc-rw'],
    }, 'a file created on the ro tmpfs (and on a tmpfs without ro, the control); ro in its mountinfo options').toEqual({
      write: 'refused', roFlag: true, controlWrite: 'written',
    });
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
    expect({
      open: run.facts['/rtc-nodev-null'], nodevFlag: visibleMount(run.mounts, '/rtc-nodev-null')?.options.includes('nodev'), controlOpen: run.facts['/rtc-null'],
    }, '/dev/null bound with nodev opened for writing (and bound without it, the control); nodev in its mountinfo options').toEqual({
      open: 'refused', nodevFlag: true, controlOpen: 'opened',
    });
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
    expect({
      exec: run.facts['/rtc-noexec'], noexecFlag: visibleMount(run.mounts, '/rtc-noexec')?.options.includes('noexec'), controlExec: run.facts['/rtc-exec'],
    }, 'a script run from the noexec mount (and from a mount without noexec, the control); noexec in its mountinfo options').toEqual({
      exec: 'refused', noexecFlag: true, controlExec: 'ran',
    });
  });

  requirement('config.mounts.option-atime', 'the atime options show as the matching mount flags', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const cases = {
      '/rtc-noatime': { options: ['noatime'], flags: { noatime: true, relatime: false, nodiratime: false } },
      // strictatime clears relatime and noatime: neither shows.
      '/rtc-strictatime': { options: ['strictatime'], flags: { noatime: false, relatime: false, nodiratime: false } },
      '/rtc-relatime': { options: ['relatime', 'nodiratime'], flags: { noatime: false, relatime: true, nodiratime: true } },
    };
    const { observation } = await probe(ctx, (b) => Object.entries(cases).reduce(
      (acc, [destination, { options }]) => acc.mount({ destination, type: 'tmpfs', source: 'rtc-atime', options }), b));
    const seen = Object.fromEntries(Object.keys(cases).map((destination) => {
      const options = visibleMount(observation.mounts, destination)?.options ?? [];
      return [destination, { noatime: options.includes('noatime'), relatime: options.includes('relatime'), nodiratime: options.includes('nodiratime') }];
    }));
    const wanted = Object.fromEntries(Object.entries(cases).map(([d, { flags }]) => [d, flags]));
    expect(seen, 'atime flags in mountinfo, by mount').toEqual(wanted);
  });

  requirement('config.mounts.option-propagation', 'shared, slave, private and unbindable give the mount that propagation', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { observation } = await probe(ctx, (b) => b
      .mount({ destination: '/rtc-shared', type: 'tmpfs', source: 'rtc-shared', options: ['shared'] })
      .mount({ destination: '/rtc-private', type: 'tmpfs', source: 'rtc-private', options: ['private'] })
      .mount({ destination: '/rtc-unbindable', type: 'tmpfs', source: 'rtc-unbindable', options: ['unbindable'] })
      // A bind of the shared mount joins its peer group; slave turns that into receiving from it.
      .mount({ destination: '/rtc-slave', type: 'bind', source: 'set in prepare', options: ['bind', 'slave'] }),
    {}, async (bundle) => {
      const slave = bundle.config.mounts!.find((m) => m.destination === '/rtc-slave')!;
      slave.source = join(bundle.dir, 'rootfs', 'rtc-shared');
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
  });

  requirement('config.mounts.option-recursive', 'rro makes the mount and every mount beneath it read-only', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const rro = (source: string) => (b: BundleBuilder): BundleBuilder => b.mount({ destination: '/rtc-rro', type: 'bind', source, options: ['rbind', 'rro'] });
    if (await unsupportedByItsOwnWord(ctx, { list: 'mountOptions', needs: ['rro'], trial: rro(ctx.workDir) })) return;
    const run = await withSubmount(ctx, 'rro-source', (source) => shell(ctx, rro(source),
      'for d in /rtc-rro /rtc-rro/sub; do if touch $d/f 2>/dev/null; then echo "$d written"; else echo "$d refused"; fi; done'));
    const ro = (p: string): boolean | undefined => visibleMount(run.mounts, p)?.options.includes('ro');
    expect({
      top: { write: run.facts['/rtc-rro'], ro: ro('/rtc-rro') }, beneath: { write: run.facts['/rtc-rro/sub'], ro: ro('/rtc-rro/sub') },
    }, 'a file created on the rro mount and on the tmpfs beneath it; ro in their mountinfo options').toEqual({
      top: { write: 'refused', ro: true }, beneath: { write: 'refused', ro: true },
    });
  });

  requirement('config.mounts.option-nosymfollow', 'nosymfollow: the mount is nosymfollow in mountinfo and symlinks on it are not followed', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const nosymfollow = (b: BundleBuilder): BundleBuilder => b.mount({ destination: '/rtc-nosymfollow', type: 'tmpfs', source: 'rtc-nosymfollow', options: ['nosymfollow'] });
    if (await unsupportedByItsOwnWord(ctx, { list: 'mountOptions', needs: ['nosymfollow'], trial: nosymfollow })) return;
    const run = await shell(ctx, nosymfollow,
      'ln -s /etc/passwd /rtc-nosymfollow/link; if cat /rtc-nosymfollow/link >/dev/null 2>&1; then echo "link followed"; else echo "link refused"; fi');
    expect({ link: run.facts.link, flag: visibleMount(run.mounts, '/rtc-nosymfollow')?.options.includes('nosymfollow') },
      'reading through a symlink on the nosymfollow mount; nosymfollow in its mountinfo options').toEqual({ link: 'refused', flag: true });
  });

  requirement('config.mounts.fs-specific-options', 'tmpfs size= and mode= reach the filesystem and take effect', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { observation } = await probe(ctx, (b) => b.mount({ destination: '/rtc-sized', type: 'tmpfs', source: 'rtc-sized', options: ['size=1m', 'mode=0710'] }),
      { paths: ['/rtc-sized'] });
    const mount = visibleMount(observation.mounts, '/rtc-sized');
    const info = observation.paths['/rtc-sized'];
    // The kernel writes 1 MiB as size=1024k, gVisor as size=1m: the same size.
    const size = mount?.superOptions.find((o) => o.startsWith('size='));
    expect({ size, bytes: bytesOf(size), mode: info?.kind === 'present' ? info.mode : info?.kind }, 'tmpfs size in mountinfo\'s super options, mode of /rtc-sized')
      .toEqual({ size, bytes: 1024 * 1024, mode: '710' });
  });

  requirement('config.mounts.idmap', 'idmap mounts map file owners through the container\'s user namespace, or through the mount\'s own mappings', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    // Where the runtime runs, on a file system that can be idmapped (ownDir: not the file bridge).
    const host = ownDir(ctx, 'idmap-source');
    // On disk 1:1, which the container's mappings leave unmapped (it shows as the overflow id)
    // unless a mount maps it. Container root stays host root, so the rootfs needs no chown.
    await where(ctx, 'mkdir -p "$1" && printf "x\\n" > "$1/file" && chown 1:1 "$1/file"', host);
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
    expect({ containerMapping: owner(paths[0]!), ownMapping: owner(paths[1]!) },
      `owner of an on-disk 1:1 file through each idmap mount (through a plain bind: ${owner(paths[2]!)})`).toEqual({ containerMapping: '1:1', ownMapping: '2:3' });
  });

  requirement('config.mounts.idmap-without-mapping', 'idmap without mappings in a container without a user namespace is an error', async (ctx) => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const host = join(ctx.workDir, 'idmap-source');
    await plant(host, { file: 'x\n' });
    const b = await ctx.bundle((c) => c.args('true').mount({ destination: '/rtc-idmap', type: 'bind', source: host, options: ['bind', 'idmap'] }));
    await refusal(ctx.runtime.create(ctx.id, { bundle: b.dir, stdio: b.stdio }));
  });

  /** The root mount's propagation fields with rootfsPropagation set to `propagation`. */
  const rootPropagation = async (ctx: RuntimeTestContext, propagation: string): Promise<string[] | undefined> => {
    skipIfLimited(ctx, 'noFilesystemIsolation');
    const { observation } = await probe(ctx, (b) => b.edit((c) => void (c.linux!.rootfsPropagation = propagation)));
    return propagationKinds(visibleMount(observation.mounts, '/'));
  };
  requirement('linux.rootfs-propagation', 'rootfsPropagation shared makes the root mount shared', async (ctx) => {
    expect(await rootPropagation(ctx, 'shared'), 'optional fields of the mountinfo line of /').toEqual(['shared']);
  });
  requirement('linux.rootfs-propagation', 'rootfsPropagation private makes the root mount private', async (ctx) => {
    expect(await rootPropagation(ctx, 'private'), 'optional fields of the mountinfo line of /').toEqual([]);
  });
  requirement('linux.rootfs-propagation', 'rootfsPropagation unbindable makes the root mount unbindable', async (ctx) => {
    expect(await rootPropagation(ctx, 'unbindable'), 'optional fields of the mountinfo line of /').toEqual(['unbindable']);
  });
  requirement('linux.rootfs-propagation', 'rootfsPropagation slave makes the root mount neither shared nor unbindable', async (ctx) => {
    // A slave with no master (the rootfs is a peer of nothing here) is private: a master field may show or not.
    const fields = await rootPropagation(ctx, 'slave');
    expect(fields?.filter((f) => f !== 'master'), 'optional fields of the mountinfo line of /, master:N aside').toEqual([]);
  });
});

/** A tmpfs size= option in bytes: a number with an optional k, m or g suffix (as mountinfo writes it). */
function bytesOf(option: string | undefined): number | undefined {
  const m = /^size=(\d+)([kmg]?)$/i.exec(option ?? '');
  if (!m) return undefined;
  return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()] ?? 1);
}

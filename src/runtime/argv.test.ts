import { describe, expect, it } from 'vitest';
import { checkpointArgs, restoreArgs, updateArgs } from './argv.js';

describe('checkpoint and restore argv', () => {
  it('checkpoint: only the paths and the id without options', () => {
    expect(checkpointArgs('c1', { imagePath: '/i' })).toEqual(['checkpoint', '--image-path', '/i', 'c1']);
  });

  it('checkpoint: every option as runc spells it, the id last', () => {
    expect(checkpointArgs('c1', {
      imagePath: '/i', workPath: '/w', leaveRunning: true, tcpEstablished: true, shellJob: true, extUnixSk: true,
      fileLocks: true, manageCgroupsMode: 'ignore', emptyNs: ['network'], preDump: true, parentPath: '../pre',
    })).toEqual([
      'checkpoint', '--image-path', '/i', '--work-path', '/w', '--leave-running', '--tcp-established',
      '--shell-job', '--ext-unix-sk', '--file-locks', '--manage-cgroups-mode', 'ignore', '--empty-ns', 'network',
      '--pre-dump', '--parent-path', '../pre', 'c1',
    ]);
  });

  it('--empty-ns is given once per namespace (runc takes it repeated, not comma-separated)', () => {
    expect(checkpointArgs('c1', { imagePath: '/i', emptyNs: ['network', 'pid'] }))
      .toEqual(['checkpoint', '--image-path', '/i', '--empty-ns', 'network', '--empty-ns', 'pid', 'c1']);
    expect(checkpointArgs('c1', { imagePath: '/i', emptyNs: [] })).toEqual(['checkpoint', '--image-path', '/i', 'c1']);
  });

  it('false options add nothing', () => {
    expect(checkpointArgs('c1', { imagePath: '/i', leaveRunning: false, shellJob: false, extUnixSk: false }))
      .toEqual(['checkpoint', '--image-path', '/i', 'c1']);
  });

  it('restore: the same checkpoint options, then its own, the id last', () => {
    expect(restoreArgs('c2', {
      imagePath: '/i', bundle: '/b', workPath: '/w', tcpEstablished: true, shellJob: true, extUnixSk: true,
      fileLocks: true, manageCgroupsMode: 'full', emptyNs: ['network'], detach: true, pidFile: '/p',
    })).toEqual([
      'restore', '--image-path', '/i', '--bundle', '/b', '--work-path', '/w', '--tcp-established', '--shell-job',
      '--ext-unix-sk', '--file-locks', '--manage-cgroups-mode', 'full', '--empty-ns', 'network', '--detach',
      '--pid-file', '/p', 'c2',
    ]);
  });

  it('restore: without options, the image, the bundle and the id', () => {
    expect(restoreArgs('c2', { imagePath: '/i', bundle: '/b' })).toEqual(['restore', '--image-path', '/i', '--bundle', '/b', 'c2']);
  });
});

describe('update argv', () => {
  it('names where the resources are read: - for standard input, else the file', () => {
    expect(updateArgs('c3', '-')).toEqual(['update', '--resources', '-', 'c3']);
    expect(updateArgs('c3', '/w/update-1.json')).toEqual(['update', '--resources', '/w/update-1.json', 'c3']);
  });
});

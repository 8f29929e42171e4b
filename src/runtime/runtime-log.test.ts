import { describe, expect, it } from 'vitest';
import { lastErrorIn, logRecords } from './runtime-log.js';

describe('a runtime\'s JSON log', () => {
  it('reads crun 1.28\'s pretty-printed records, each over several lines (its log, as written)', () => {
    const crun = '{\n  "msg": "container `nosuch` does not exist: open `\\/run\\/crun\\/nosuch\\/status`: No such file or directory",\n  "level": "error",\n  "time": "2026-12-07T17:47:52.554922Z"\n}';
    expect(lastErrorIn(crun)).toBe('container `nosuch` does not exist: open `/run/crun/nosuch/status`: No such file or directory');
    expect(lastErrorIn(`${crun}\n{\n  "msg": "a {brace} in \\"quotes\\"",\n  "level": "warning"\n}\n`)).toMatch(/^container `nosuch`/);
  });

  it('reads runc\'s one object a line, and takes plain lines as they are', () => {
    const runc = '{"level":"warning","msg":"a warning","time":"t"}\n{"level":"error","msg":"runc run failed: unable to start container process","time":"t"}\n';
    expect(lastErrorIn(runc)).toBe('runc run failed: unable to start container process');
    expect(lastErrorIn('starting\nERROR: no such thing\n')).toBe('ERROR: no such thing');
    expect(logRecords('{"level":"error","msg":"cut')).toEqual([{ text: '{"level":"error","msg":"cut' }]);
  });

  it('takes a text line with braces in it as text, and reads the records after it (runsc logs Go structs)', () => {
    const runsc = 'I1207 spec: {Version:1.0.2 Process:0xc000 {\n{"level":"error","msg":"cannot create sandbox: unknown capability \\"CAP_X\\"","time":"t"}\n';
    expect(lastErrorIn(runsc)).toBe('cannot create sandbox: unknown capability "CAP_X"');
  });
});

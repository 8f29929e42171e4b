import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import {
  BUILTIN_RUNTIMES, builtinDeclaration, DECLARATION_MAX_BYTES, DECLARATION_SCHEMA_PATH, declarationJsonSchema, DeclarationError, FREE_TEXT_MAX,
  loadDeclaration,
} from './declaration.js';
import { declarationFor } from './resolve.js';

describe('runtime declarations', () => {
  let work: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await dir({ prefix: 'rtconform-declaration-', unsafeCleanup: true });
  });
  afterAll(async () => work.cleanup());

  const file = async (name: string, text: string): Promise<string> => {
    const path = join(work.path, name);
    await mkdir(work.path, { recursive: true });
    await writeFile(path, text);
    return path;
  };

  it('the built-in ones load, and the JSON Schema in docs/ is made from the zod schema (regenerate: npm run schema)', () => {
    for (const name of BUILTIN_RUNTIMES) expect(builtinDeclaration(name).profile.name).toBe(name);
    expect(builtinDeclaration('crun').profile.unsupported.events).toBe('crun has no events command');
    expect(builtinDeclaration('runsc').profile.globalArgs).toEqual(['--ignore-cgroups', '--network', 'none']);
    expect(builtinDeclaration('fake').profile.binary).toBe(join(packageRoot(), 'dist/fake-runtime/rtconform-fake-runtime'));
    expect(JSON.parse(readFileSync(join(packageRoot(), DECLARATION_SCHEMA_PATH), 'utf8'))).toEqual(declarationJsonSchema());
  });

  it('a YAML declaration takes what it leaves out from the runtime it is like, but never its claims', async () => {
    const path = await file('myrt.yaml', [
      'name: myrt', 'like: runc', 'binary: bin/myrt', 'globalArgs: [--systemd-cgroup]', 'specVersion: 1.1.0',
      'unsupported:', '  checkpoint: myrt has no CRIU support',
      'expectedFailures:', '  - requirement: delete.not-stopped', '    reason: deletes a created container', '    link: https://example.org/issues/1',
    ].join('\n'));
    const d = loadDeclaration(path);
    expect(d.profile).toMatchObject({ name: 'myrt', binary: join(work.path, 'bin/myrt'), globalArgs: ['--systemd-cgroup'], jsonLog: true, needsRoot: true });
    expect(d.profile.unsupported).toEqual({ checkpoint: 'myrt has no CRIU support' });
    expect(d.specVersion).toBe('1.1.0');
    expect(d.expectedFailures).toEqual([{ requirement: 'delete.not-stopped', reason: 'deletes a created container', link: 'https://example.org/issues/1' }]);
    // Through --runtime too, by its extension; runc's expected failures are not inherited.
    const other = await file('other.json', JSON.stringify({ name: 'other', like: 'runc' }));
    expect(declarationFor(other).expectedFailures).toEqual([]);
    expect(declarationFor(other).profile.binary).toBe('runc');
  });

  it('a bad declaration names the file and each problem', async () => {
    const bad = await file('bad.yaml', 'name: x\nbinary: 7\nunsupported:\n  fly: no\nsurprise: 1\n');
    expect(() => loadDeclaration(bad)).toThrow(DeclarationError);
    for (const problem of [/bad\.yaml is not a valid runtime declaration/, /expected string, received number\n\s+→ at binary/, /"fly"\n\s+→ at unsupported/, /"surprise"/]) {
      expect(() => loadDeclaration(bad)).toThrow(problem);
    }
    const notYaml = await file('broken.yaml', 'name: [unclosed\n');
    expect(() => loadDeclaration(notYaml)).toThrow(/broken\.yaml is neither YAML nor JSON/);
    expect(() => loadDeclaration(join(work.path, 'missing.yaml'))).toThrow(/cannot read the runtime declaration .*missing\.yaml: ENOENT/);
  });

  it('a binary named like a built-in runtime is that runtime; any other follows runc conventions and claims nothing', () => {
    expect(declarationFor('/opt/runc-1.2/runc').profile).toMatchObject({ name: 'runc', binary: '/opt/runc-1.2/runc' });
    expect(declarationFor('/opt/runc-1.2/runc').expectedFailures.length).toBeGreaterThan(0);
    const unknown = declarationFor('/opt/myrt/bin/myrt');
    expect(unknown.profile).toMatchObject({ name: 'myrt', binary: '/opt/myrt/bin/myrt', globalArgs: [] });
    expect(unknown.expectedFailures).toEqual([]);
  });

  it('free text is a paragraph at most: a longer description, install hint, reason or link is refused, saying the cap', async () => {
    const long = 'x'.repeat(FREE_TEXT_MAX + 1);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ description: long }, /the description is at most 2,000 characters: say it briefly, and link to the rest\n\s+→ at description/],
      [{ install: long }, /install is at most 2,000 characters[^\n]*\n\s+→ at install/],
      [{ unsupported: { pause: long } }, /a reason is at most 2,000 characters[^\n]*\n\s+→ at unsupported\.pause/],
      [{ expectedFailures: [{ requirement: 'delete.not-stopped', reason: long }] }, /a reason is at most 2,000 characters[^\n]*\n\s+→ at expectedFailures\[0\]\.reason/],
      [{ expectedFailures: [{ requirement: 'delete.not-stopped', reason: 'r', link: `https://example.org/${long}` }] }, /a link is at most 2,000 characters\n\s+→ at expectedFailures\[0\]\.link/],
    ];
    for (const [fields, problem] of cases) {
      const path = await file('long.json', JSON.stringify({ name: 'long', ...fields }));
      expect(() => loadDeclaration(path)).toThrow(problem);
    }
    // At the cap it is taken.
    const atCap = await file('at-cap.json', JSON.stringify({ name: 'cap', description: 'x'.repeat(FREE_TEXT_MAX), install: 'i'.repeat(FREE_TEXT_MAX) }));
    expect(loadDeclaration(atCap).profile.install).toHaveLength(FREE_TEXT_MAX);
  });

  it('a declaration file over 1 MiB is refused by its size before it is parsed', async () => {
    // Valid YAML whose only fault is its size: a parse would take it (and a 50 MB one gigabytes).
    const path = await file('huge.yaml', `name: huge\ndescription: ${'x'.repeat(DECLARATION_MAX_BYTES)}\n`);
    expect(() => loadDeclaration(path)).toThrow(DeclarationError);
    expect(() => loadDeclaration(path)).toThrow(`${path} is 1048601 bytes; a runtime declaration is at most 1 MiB: its free text (description, install, a reason) is at most 2,000 characters each`);
    const fifo = join(work.path, 'fifo.yaml');
    await execa('mkfifo', [fifo]);
    expect(() => loadDeclaration(fifo)).toThrow(`${fifo} is a FIFO, not a regular file: give the path of the file itself`);
  });
});

import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import {
  BUILTIN_RUNTIMES, builtinDeclaration, DECLARATION_SCHEMA_PATH, declarationJsonSchema, DeclarationError, loadDeclaration,
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
});

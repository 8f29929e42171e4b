import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { packageRoot } from '../package-root.js';
import { actionOutputs } from './action-outputs.js';

const ActionSchema = z.object({
  inputs: z.record(z.string(), z.object({ default: z.string() })),
  outputs: z.record(z.string(), z.object({ value: z.string() })),
  runs: z.object({ using: z.literal('composite'), steps: z.array(z.object({ id: z.string(), run: z.string(), env: z.record(z.string(), z.string()) })).length(1) }),
});

/**
 * The GitHub Action (action.yml) is one step running scripts/github-action.sh: the test runs that
 * script as GitHub would, with the action's inputs as INPUT_* variables and GitHub's files for
 * outputs and the job summary, and checks action.yml passes every input and output through.
 */
describe('the GitHub Action', () => {
  let work: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await dir({ prefix: 'rtconform-action-', unsafeCleanup: true });
  });
  afterAll(async () => work.cleanup());

  async function runAction(name: string, inputs: Record<string, string>, env: Record<string, string> = {}) {
    const output = join(work.path, `${name}.output`);
    const summary = join(work.path, `${name}.summary`);
    await writeFile(output, '');
    await writeFile(summary, '');
    const result = await execa(join(packageRoot(), 'scripts/github-action.sh'), [], {
      reject: false, all: true, cwd: work.path,
      env: { ...env, ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replace(/-/g, '_')}`, v])), GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, GITHUB_ACTION_PATH: packageRoot() },
    });
    const outputs = Object.fromEntries((await readFile(output, 'utf8')).trim().split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return { result, outputs, summary: await readFile(summary, 'utf8') };
  }

  it('action.yml passes every input to the step and every output from it', async () => {
    const action = ActionSchema.parse(parse(await readFile(join(packageRoot(), 'action.yml'), 'utf8')));
    const step = action.runs.steps[0]!;
    expect(step.run).toContain('scripts/github-action.sh');
    for (const input of Object.keys(action.inputs)) {
      expect(step.env[`INPUT_${input.toUpperCase().replace(/-/g, '_')}`], input).toBe(`\${{ inputs.${input} }}`);
    }
    const script = await readFile(join(packageRoot(), 'scripts/github-action.sh'), 'utf8');
    // The script echoes some; action-outputs.js, which the script runs, prints those read from the report.
    const fromReport = Object.keys(actionOutputs({ runs: [] }));
    expect(script).toContain('dist/src/cli/action-outputs.js');
    for (const [output, { value }] of Object.entries(action.outputs)) {
      expect(value, output).toBe(`\${{ steps.${step.id}.outputs.${output} }}`);
      if (!fromReport.includes(output)) expect(script, `the script sets ${output}`).toContain(`echo "${output}=`);
    }
    for (const output of fromReport) expect(Object.keys(action.outputs), output).toContain(output);
  });

  it('a passing run: verdict pass, exit 0, the report paths, compliance.md in the job summary', async () => {
    const { result, outputs, summary } = await runAction('pass', { runtimes: 'fake', suites: 'state', out: 'passing' });
    expect(result.exitCode, result.all).toBe(0);
    expect(outputs).toMatchObject({
      verdict: 'pass', 'exit-code': '0', 'report-dir': 'passing', 'compliance-json': 'passing/compliance.json', junit: 'passing/junit.xml',
      headline: 'no requirement failed', 'must-failed': '0', 'must-failing-as-declared': '0',
    });
    for (const key of ['compliance-json', 'compliance-md', 'junit', 'html']) expect(existsSync(join(work.path, outputs[key]!)), key).toBe(true);
    expect(summary).toBe(await readFile(join(work.path, 'passing/compliance.md'), 'utf8'));
    expect(summary).toMatch(/state\./);
  });

  it('a run where a MUST fails: verdict fail, exit 1, the summary says which', async () => {
    const { result, outputs, summary } = await runAction('fail', { runtimes: 'fake', suites: 'lifecycle/create', out: 'failing' }, { RTCONFORM_FAKE_FAULTS: 'state-status-lies' });
    expect(result.exitCode, result.all).toBe(1);
    expect(outputs).toMatchObject({ verdict: 'fail', 'exit-code': '1' });
    expect(summary).toContain('create.status-created');
  });

  it('a run where MUST requirements fail as its declaration says: verdict pass, exit 0, and the headline and counts say they fail', async () => {
    const fake = join(packageRoot(), 'dist/fake-runtime/rtconform-fake-runtime');
    const declared = ['create.status-created', 'create.config-changes-ignored', 'create.duplicate-id', 'create.process-not-run'];
    await writeFile(join(work.path, 'declared.yaml'), [
      'name: fake', 'like: fake', `binary: ${fake}`, 'needsRootfs: false', 'needsRoot: false', 'specVersion: 1.0.2', 'expectedFailures:',
      ...declared.map((id) => `  - { requirement: ${id}, reason: the fake's state says running after create }`),
    ].join('\n') + '\n');
    const { result, outputs, summary } = await runAction('declared', { runtimes: join(work.path, 'declared.yaml'), suites: 'lifecycle/create', out: 'declared' }, { RTCONFORM_FAKE_FAULTS: 'state-status-lies' });
    expect(result.exitCode, result.all).toBe(0);
    expect(outputs).toMatchObject({
      verdict: 'pass', 'exit-code': '0', headline: '4 MUST requirements fail as declared; no other MUST requirement failed',
      'must-failed': '0', 'must-failing-as-declared': '4', 'should-failed': '0', 'should-failing-as-declared': '0',
    });
    expect(summary).toContain('**4 MUST requirements fail as declared; no other MUST requirement failed**');
    expect(summary).toContain('### Failing as declared (4)');
    expect(summary).not.toMatch(/no requirement failed/i);
    // Linked to the release the run was judged against.
    expect(summary).toContain('(https://github.com/opencontainers/runtime-spec/blob/v1.0.2/runtime.md#create)');
  });

  it('bad input ends as verdict error, exit 2, with rtconform\'s reason', async () => {
    // The out dir holds an earlier run's report: a run refused before its tests must not pass it off as its own.
    await mkdir(join(work.path, 'bad'), { recursive: true });
    await copyFile(join(packageRoot(), 'src/report/testdata/two-runtimes.json'), join(work.path, 'bad', 'compliance.json'));
    await writeFile(join(work.path, 'bad', 'compliance.md'), '## an earlier run\n');
    const { result, outputs, summary } = await runAction('bad', { runtimes: 'fake', suites: 'no-such-suite', out: 'bad' });
    expect(result.exitCode).toBe(2);
    expect(outputs).toMatchObject({ verdict: 'error', 'exit-code': '2' });
    expect(outputs, 'report outputs of a run that wrote no report').not.toHaveProperty('headline');
    expect(summary, 'the job summary of a run that wrote no report').toBe('');
    expect(result.all).toMatch(/unknown suite "no-such-suite"/);
  });
});

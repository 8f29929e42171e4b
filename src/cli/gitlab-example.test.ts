import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir } from 'tmp-promise';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { dockerHost } from '../container/engine.js';
import { loopbackEngine } from '../container/loopback-engine.js';
import { containerTestSkipReason } from '../harness/container-targets.js';
import { packageRoot } from '../package-root.js';
import { ComplianceReportSchema } from '../report/compliance.js';

const JobSchema = z.object({
  image: z.string(),
  services: z.array(z.object({ name: z.string(), alias: z.string(), command: z.array(z.string()).optional() })),
  variables: z.record(z.string(), z.string()),
  before_script: z.array(z.string()),
  script: z.array(z.string()),
  artifacts: z.object({ when: z.string(), paths: z.array(z.string()), reports: z.object({ junit: z.string() }) }),
});

/**
 * examples/gitlab-ci.yml, run as GitLab would run its script: its lines in one shell, with the
 * job's variables, and `rtconform` on the PATH (what its before_script installs). The dind
 * service is stood in for by this machine's engine behind a loopback TCP proxy: an engine at a
 * tcp:// address that shares no file system with the job, as the service is.
 */
describe('the GitLab CI example', () => {
  const read = async () => JobSchema.parse((parse(await readFile(join(packageRoot(), 'examples/gitlab-ci.yml'), 'utf8')) as { rtconform: unknown }).rtconform);

  it('talks to a docker-in-docker service over TCP and keeps the report as artifacts, junit included', async () => {
    const job = await read();
    const dind = job.services.find((s) => s.name.includes('dind'));
    expect(dind, 'a docker:dind service').toBeDefined();
    expect(job.variables.DOCKER_HOST).toBe(`tcp://${dind!.alias}:2375`);
    expect(dind!.command).toContain('--tls=false');
    expect(job.before_script.join('\n')).toMatch(/openssh-sftp-server/);
    expect(job.artifacts).toMatchObject({ when: 'always', paths: ['rtconform-report/'], reports: { junit: 'rtconform-report/junit.xml' } });
  });

  it('its script builds the image and checks the runtimes it names in containers of a tcp:// engine, over the file bridge', async (ctx) => {
    const problem = await containerTestSkipReason(inject('rtconformPlan').containers);
    if (problem) return ctx.skip(problem);
    const local = dockerHost();
    if (!local.startsWith('unix://')) return ctx.skip(`the test proxies a local engine, and DOCKER_HOST is ${local}`);
    const job = await read();
    const service = await loopbackEngine(local.slice('unix://'.length));
    const work = await dir({ prefix: 'rtconform-gitlab-', unsafeCleanup: true });
    try {
      // What before_script's `npm install -g rtconform` gives: the command on the PATH.
      const bin = join(work.path, 'bin');
      await execa('mkdir', [bin]);
      await writeFile(join(bin, 'rtconform'), `#!/bin/sh\nexec node ${join(packageRoot(), 'dist/cli/main.js')} "$@"\n`);
      await chmod(join(bin, 'rtconform'), 0o755);
      const result = await execa('bash', ['-eo', 'pipefail', '-c', job.script.join('\n')], {
        cwd: work.path, reject: false, all: true,
        // The job's variables; the service's address is the proxy's, and one runtime and suite keep it short.
        env: { ...job.variables, DOCKER_HOST: service.url, RTCONFORM_RUNTIMES: 'runc', RTCONFORM_SUITES: 'lifecycle/start', PATH: `${bin}:${process.env.PATH}` },
      });
      expect(result.exitCode, result.all).toBe(0);
      for (const path of [...job.artifacts.paths, job.artifacts.reports.junit]) expect(existsSync(join(work.path, path)), path).toBe(true);
      const report = ComplianceReportSchema.parse(JSON.parse(await readFile(join(work.path, 'rtconform-report', 'compliance.json'), 'utf8')));
      expect(report.runs.map((r) => r.runtime.key)).toEqual(['runc@container']);
      expect(report.runs.map((r) => r.target.fileSharing)).toEqual(['bridge']);
    } finally {
      await service.kill();
      await work.cleanup();
    }
  }, 180_000);
});

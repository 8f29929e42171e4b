import { describe, expect, it } from 'vitest';
import { HarnessError } from './harness-error.js';
import { runOptionsFrom } from './run-options.js';

const ENV = { DOCKER_HOST: 'unix:///var/run/docker.sock' };

describe('rtconform run\'s options, checked once', () => {
  it('refuses each bad value and each bad pairing with words that name it and what it wants', () => {
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ 'call-timeout': '5s' }, /^--call-timeout wants milliseconds, got "5s"$/],
      [{ 'in-container': true, 'cgroup-view': 'shared' }, /^--cgroup-view wants host or private, got "shared"$/],
      [{ image: ['x'] }, /apply to container targets: add --in-container$/],
      [{ engine: ['tcp://127.0.0.1:1'] }, /apply to container targets: add --in-container$/],
      [{ 'in-container': true, 'file-sharing': 'nfs' }, /^--file-sharing wants bind or bridge, got "nfs"$/],
      [{ 'spec-version': 'banana' }, /^--spec-version wants a runtime-spec version \(.*\), got "banana"$/],
      [{ quiet: true, verbose: true }, /^--quiet and --verbose ask for opposite things: give one$/],
      [{ retries: '11' }, /^--retries wants a number from 0 to 10, got "11"$/],
      [{ shard: '3/2' }, /^--shard wants I\/N with 1 ≤ I ≤ N \(e.g. 1\/2\), got "3\/2"$/],
      [{ 'in-container': true, engine: ['tcp://127.0.0.1:1'], shard: '1/2' }, /^--engine cuts the run into shares itself: drop --shard$/],
      [{ 'run-id': 'Has-Caps' }, /^--run-id wants 1 to 16 lower-case letters and digits, got "Has-Caps"$/],
      [{ 'in-container': true, engine: ['tcp://127.0.0.1:1'], 'run-id': 'abcdefghijklm' }, /^--run-id of a run over several engines names its shares <id>s<N>: give 1 to 12/],
      [{ 'in-container': true, runtime: ['fake'] }, /^the fake runtime runs on the host only/],
    ];
    for (const [args, words] of refused) {
      const attempt = (): unknown => runOptionsFrom(args, ENV);
      expect(attempt, JSON.stringify(args)).toThrow(HarnessError);
      expect(attempt, JSON.stringify(args)).toThrow(words);
    }
  });

  it('fills in the defaults of what passes', () => {
    const { options, engines } = runOptionsFrom({}, ENV);
    expect(engines).toBeUndefined();
    expect(options).toMatchObject({ runtimes: ['fake'], retries: 0, suites: [], outDir: 'reports/latest', container: undefined, output: 'normal' });
    const inside = runOptionsFrom({ 'in-container': true, shard: '2/3', 'call-timeout': '9000', quiet: true }, ENV).options;
    expect(inside).toMatchObject({ runtimes: ['runc'], shard: { index: 2, count: 3 }, callTimeoutMs: 9000, output: 'quiet', container: { cgroupView: 'host', fileSharing: 'bind' } });
    expect(runOptionsFrom({ 'in-container': true }, { DOCKER_HOST: 'tcp://10.0.0.2:2375' }).options.container?.fileSharing).toBe('bridge');
  });
});

import type { ProcessRunner } from './process-runner.js';

export type CriuProbe = { usable: true; version: string } | { usable: false; reason: string };

/**
 * Dumps a throwaway process with CRIU itself, where the runtime runs. Runtime-independent on
 * purpose: a runtime's own checkpoint failing where CRIU works is the runtime's failure, while
 * CRIU failing here (an old CRIU on a newer kernel, missing capabilities) means checkpoint
 * cannot be judged here at all.
 */
const PROBE = `
command -v criu >/dev/null 2>&1 || { echo "criu is not installed"; exit 3; }
criu --version | head -n 1
d=$1; mkdir -p "$d"
setsid sleep 60 </dev/null >/dev/null 2>&1 &
pid=$!
# CRIU dumps only a session leader as a tree's root: wait (up to 5 s) until the child has called
# setsid (the 6th field of its stat is its session), or a loaded machine makes this a CRIU failure.
n=0
while [ "$n" -lt 500 ]; do
  read -r _ _ _ _ _ session _ < "/proc/$pid/stat" 2>/dev/null && [ "$session" = "$pid" ] && break
  n=$((n + 1)); sleep 0.01
done
criu dump -t "$pid" -D "$d" -o dump.log >/dev/null 2>&1; rc=$?
kill -9 "$pid" 2>/dev/null
[ "$rc" -eq 0 ] || grep -m 3 'Error' "$d/dump.log" || echo "criu dump exited $rc"
rm -rf "$d"
exit "$rc"`;

export async function probeCriu(runner: ProcessRunner, scratchDir: string): Promise<CriuProbe> {
  const result = await runner.run('sh', ['-c', PROBE, 'criu-probe', scratchDir], { timeoutMs: 30_000 });
  const lines = result.stdout.trim().split('\n').filter((l) => l.trim() !== '');
  if (result.exitCode === 0) return { usable: true, version: lines[0] ?? 'criu' };
  if (result.exitCode === 3) return { usable: false, reason: `criu is not installed on ${runner.target.description}` };
  const errors = lines.filter((l) => !/^Version:/i.test(l)).map((l) => l.replace(/^\(\s*[\d.]+\)\s*/, '')).join('; ');
  return { usable: false, reason: `criu dump of a test process fails on ${runner.target.description}: ${errors || (result.timedOut ? 'timed out' : `exit ${result.exitCode}`)}` };
}

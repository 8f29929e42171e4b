import { statfsSync } from 'node:fs';

const CGROUP2_MAGIC = 0x63677270;

export type CgroupLayout = 'unified' | 'hybrid' | 'legacy' | 'none';

/** The host's cgroup layout: pure v2, v1 with a v2 part beside it (hybrid), pure v1, or none. */
export function cgroupLayout(): CgroupLayout {
  const type = (path: string): number | undefined => {
    try {
      return statfsSync(path).type;
    } catch {
      return undefined;
    }
  };
  const root = type('/sys/fs/cgroup');
  if (root === undefined) return 'none';
  if (root === CGROUP2_MAGIC) return 'unified';
  return type('/sys/fs/cgroup/unified') === CGROUP2_MAGIC ? 'hybrid' : 'legacy';
}

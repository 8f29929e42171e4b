import { specDocument } from './define.js';

/** runtime-linux.md: what every Linux container's process finds, whatever config.json says. */
export const runtimeLinuxRequirements = specDocument('runtime-linux.md', [
  // The spec states this without a keyword ("only ... are kept open") next to a MAY for extra
  // descriptors; the harness passes none, so anything beyond 0, 1 and 2 is a leak.
  ['linux.fds.stdio-only', 'MUST', 'file-descriptors', 'Unless the caller passes more, the process starts with only stdin, stdout and stderr open.'],
  ['linux.dev-symlinks.fd', 'MUST', 'dev-symbolic-links', '/dev/fd is a symlink to /proc/self/fd inside the container.'],
  ['linux.dev-symlinks.stdio', 'MUST', 'dev-symbolic-links', '/dev/stdin, /dev/stdout and /dev/stderr are symlinks to /proc/self/fd/0, 1 and 2.'],
]);

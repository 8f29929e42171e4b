import { specDocument } from './define.js';

/** bundle.md: what the runtime reads from the bundle directory. */
export const bundleRequirements = specDocument('bundle.md', [
  ['bundle.config-json', 'MUST', 'container-format', 'The configuration is the file named config.json at the root of the bundle directory, and no other.'],
  ['bundle.root-path', 'MUST', 'container-format', 'The root filesystem is the directory root.path names; a relative root.path is taken from the bundle, not from the caller\'s working directory.'],
]);

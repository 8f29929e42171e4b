import { specDocument } from './define.js';

/** features.md: the features structure a runtime reports. */
export const featuresRequirements = specDocument('features.md', [
  ['features.version-range', 'MUST', 'features-structure', 'Features reports ociVersionMin and ociVersionMax.', { since: '1.1.0' }],
]);

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { MEASURED_SECONDS } from './self-test-sequencer.js';

it('orders by files that exist: a renamed file would silently lose its place', () => {
  const missing = Object.keys(MEASURED_SECONDS).filter((file) => !existsSync(join(packageRoot(), file)));
  expect(missing).toEqual([]);
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { LONG_FILES } from './self-test-sequencer.js';

describe('the self-test order', () => {
  it('names only test files that exist', () => {
    expect(LONG_FILES.filter((f) => !existsSync(join(packageRoot(), f)))).toEqual([]);
  });
});

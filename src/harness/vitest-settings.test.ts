import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { workersFor } from './vitest-settings.js';

describe('workersFor', () => {
  const most = Math.max(2, 2 * availableParallelism());

  it('gives a run of every suite two workers per core', () => {
    expect(workersFor([])).toBe(most);
  });

  it('gives a run of a few files two workers, counting the files in each suite dir named', () => {
    expect(workersFor(['suites/lifecycle/create.test.ts'])).toBe(2);
    // lifecycle/ holds 6 files: still 2.
    expect(workersFor(['suites/lifecycle/'])).toBe(2);
  });

  it('adds a worker per 4 files, up to two per core', () => {
    const files = Array.from({ length: 12 }, (_, i) => `suites/x/${i}.test.ts`);
    expect(workersFor(files)).toBe(Math.min(most, 3));
    expect(workersFor([...files, ...files, ...files])).toBe(Math.min(most, 9));
  });
});

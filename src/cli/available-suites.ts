import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** The suites `--suite` can name: the dirs of suites/ (each holds test files, `lifecycle/create`). */
export function availableSuites(): string[] {
  const dir = join(packageRoot(), 'suites');
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

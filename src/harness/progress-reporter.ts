import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * One line a run keeps rewriting on a terminal: requirements checked of those planned, how many
 * failed so far, the time. Where the output is not a terminal (a CI log), vitest's own reporter
 * prints plain lines instead (test-process.ts chooses).
 */
export class ProgressReporter implements Reporter {
  readonly #planned = new Set<string>();
  readonly #checked = new Set<string>();
  readonly #failing = new Set<string>();
  readonly #started = Date.now();
  #shownAt = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  onTestModuleCollected(module: TestModule): void {
    for (const test of module.children.allTests()) this.#planned.add(requirementOf(test));
    this.#show();
  }

  onTestCaseResult(test: TestCase): void {
    const requirement = requirementOf(test);
    this.#checked.add(requirement);
    if (test.result().state === 'failed') this.#failing.add(requirement);
    this.#show();
  }

  onTestRunEnd(): void {
    this.#show(true);
    this.out.write('\n');
  }

  #show(now = false): void {
    // A few times a second is enough for a person, and cheap.
    if (!now && Date.now() - this.#shownAt < 200) return;
    this.#shownAt = Date.now();
    const seconds = Math.round((Date.now() - this.#started) / 1000);
    // Judging comes at the end: a failure the runtime's declaration names counts here too.
    const failing = this.#failing.size === 0 ? 'none failing' : `${this.#failing.size} failing (declared ones included)`;
    // \r and erase-line: the line is rewritten in place.
    this.out.write(`\r\u001b[2Krtconform: ${this.#checked.size}/${this.#planned.size} requirements checked, ${failing}, ${seconds} s`);
  }
}

/** A test's requirement with its runtime: one requirement checked on two runtimes counts twice. */
function requirementOf(test: TestCase): string {
  const meta = test.meta();
  return `${meta.runtime ?? ''} ${meta.requirement ?? test.fullName}`;
}

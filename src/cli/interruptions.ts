/**
 * Ctrl-C and SIGTERM while a run goes (with or without --engine): noted, said once, and passed
 * on to what runs the tests (a test process, or each share's run), which clean up after
 * themselves. They have process groups of their own, so a terminal's Ctrl-C reaches only us.
 */
export class Interruptions {
  interrupted = false;
  #forward: ((signal: NodeJS.Signals) => void) | undefined;
  readonly #handler = (signal: NodeJS.Signals): void => {
    if (!this.interrupted) process.stderr.write(`\nrtconform: interrupted; ${this.doing}…\n`);
    this.interrupted = true;
    this.#forward?.(signal);
  };

  /** `doing`: what the run does about it, in words ("stopping the tests and removing what they created"). */
  constructor(private readonly doing: string) {
    process.on('SIGINT', this.#handler);
    process.on('SIGTERM', this.#handler);
  }

  forwardTo(forward: (signal: NodeJS.Signals) => void): void {
    this.#forward = forward;
  }

  remove(): void {
    process.off('SIGINT', this.#handler);
    process.off('SIGTERM', this.#handler);
  }
}

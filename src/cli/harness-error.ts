/** The harness itself could not run (bad input, missing runtime): exit code 2, no verdict. */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

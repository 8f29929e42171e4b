/**
 * What a runtime vendor needs to write requirement tests of their own with rtconform's
 * fixtures: `describeRuntimes` registers a test per selected runtime with a fresh container id,
 * bundle and adapter each; `refusal`, `where` and the probe check what the runtime did. Run
 * them with the settings of `rtconform/vitest-config`; build bundles of your own with
 * `BundleBuilder` from `rtconform`. docs/library.md shows a whole file.
 */
export {
  describeRuntimes, forEachRuntime, runtimeTest, skipIfLimited,
  type Bundle, type RequirementTest, type RuntimeFixtures, type RuntimeTestContext,
} from './fixtures/test-context.js';
export { refusal } from './fixtures/refusal.js';
export { shellOnTarget, tryShellOnTarget } from './fixtures/shell-on-target.js';
export { processExists } from './fixtures/process-exists.js';
export { runProbe, type ProbeOptions, type ProbeRun } from './fixtures/probe.js';
export { ProbeFactMissingError, ProbeIncompleteError, ProbeOutputError } from './probe/observation.js';
export { parseObservation, PROBE_SCRIPT, type Observation } from './probe/observation.js';
export type { RuntimeSelection } from './harness/selection.js';

import { attachRunner } from '../container/container-process-runner.js';
import { HostProcessRunner, type ProcessRunner } from '../runtime/process-runner.js';
import type { CliRuntime } from '../runtime/cli-runtime.js';
import type { MonitoredCliRuntime } from '../runtime/monitored-runtime.js';
import type { MonitorOptions } from '../runtime/monitor.js';
import { openRuntime } from '../runtime/resolve.js';
import { containerCallDir } from './container-targets.js';
import type { AvailableSelection, SelectionTarget } from './selection.js';

/** The process runner that executes a selection's runtime where its target says. */
export async function runnerFor(target: SelectionTarget, runDir: string): Promise<ProcessRunner> {
  if (target.kind === 'host') return new HostProcessRunner();
  if (target.containerId === undefined) throw new Error(`no container was started for ${target.description}`);
  return attachRunner(target.containerId, target, containerCallDir(runDir, target.containerId));
}

/**
 * The one way the harness opens a selected runtime, on the host or in its target container.
 * `workDir` holds the adapter's files (logs, process specs): for a container target it must
 * be inside the run dir, which the container shares.
 */
interface OpenSelectionOptions { runDir: string; workDir: string; callTimeoutMs: number; runner?: ProcessRunner }

export async function openSelection(selection: AvailableSelection, options: OpenSelectionOptions & { monitor: MonitorOptions }): Promise<MonitoredCliRuntime>;
export async function openSelection(selection: AvailableSelection, options: OpenSelectionOptions): Promise<CliRuntime>;
export async function openSelection(selection: AvailableSelection, options: OpenSelectionOptions & { monitor?: MonitorOptions }): Promise<CliRuntime> {
  return openRuntime({ profile: selection.profile, binary: selection.binary }, {
    runner: options.runner ?? (await runnerFor(selection.target, options.runDir)),
    workDir: options.workDir,
    root: selection.root,
    callTimeoutMs: options.callTimeoutMs,
    monitor: options.monitor,
  });
}

import { pingEngine } from '../container/engine.js';
import { imageExists } from '../container/runtimes-image.js';
import { startTargetContainer, type Privilege, type TargetContainer } from '../container/target-container.js';
import { cgroupLayout } from '../util/cgroup-layout.js';
import { commandPath } from '../runtime/process-runner.js';
import type { ContainerPlan, PlannedRuntime } from './plan.js';
import { selectionOf, type RuntimeSelection, type SelectionTarget } from './selection.js';

/** Where a container target keeps the pid and input files of its calls: inside the shared run dir. */
export function containerCallDir(runDir: string, containerId: string): string {
  return `${runDir}/container-calls/${containerId.slice(0, 12)}`;
}

/** Why no container target can run here with `image` (no engine, image not built), or undefined. */
export async function containerTargetProblem(image: string): Promise<string | undefined> {
  const ping = await pingEngine();
  if (!ping.reachable) return `no container target: ${ping.reason}`;
  if (!(await imageExists(image))) {
    return `no container target: image ${image} is not in the Docker engine (build it with \`rtconform image build\`, or name one with --image)`;
  }
  return undefined;
}

/** For rtconform's own tests of container targets: why they skip, or, when the plan requires containers, an error. */
export async function containerTestSkipReason(plan: ContainerPlan | undefined): Promise<string | undefined> {
  if (plan === undefined) return 'container targets are off for this run';
  const problem = await containerTargetProblem(plan.image);
  if (problem !== undefined && plan.required) throw new Error(`container targets are required (RTCONFORM_CONTAINER=required), but ${problem}`);
  return problem;
}

export interface ContainerSelections {
  selections: RuntimeSelection[];
  containers: TargetContainer[];
}

/**
 * One target container per runtime, so a runtime that wrecks its container wrecks only its own
 * verdicts. What cannot run is kept, marked with the reason, unless the plan requires it.
 */
export async function startContainerTargets(plan: ContainerPlan | undefined, runId: string, runDir: string): Promise<ContainerSelections> {
  if (plan === undefined || plan.runtimes.length === 0) return { selections: [], containers: [] };
  const problem = await containerTargetProblem(plan.image);
  if (problem !== undefined) {
    if (plan.required) throw new Error(problem);
    const target: SelectionTarget = { kind: 'container', description: `container ${plan.image} (not started)`, image: plan.image, cgroupView: plan.cgroupView };
    return { selections: plan.runtimes.map((r) => selectionOf({ ...r, unavailableReason: problem }, target, undefined)), containers: [] };
  }
  const hybrid = cgroupLayout() === 'hybrid';
  const selections: RuntimeSelection[] = [];
  const containers: TargetContainer[] = [];
  let privilege: Privilege | undefined;
  try {
    for (const planned of plan.runtimes) {
      const container = await startTargetContainer({
        image: plan.image,
        cgroupView: plan.cgroupView,
        runId,
        shared: [runDir],
        fileSharing: plan.fileSharing,
        hideUnifiedCgroup: plan.cgroupView === 'host' && hybrid && planned.profile.refusesHybridCgroups,
        privilege,
      });
      containers.push(container);
      privilege = container.privilege;
      const target: SelectionTarget = {
        kind: 'container', description: container.description, containerId: container.id,
        image: container.image, cgroupView: container.cgroupView, privilege: container.privilege, fileSharing: container.fileSharing,
      };
      const runner = await container.runner(containerCallDir(runDir, container.id));
      // One exec for the container's life: the run's calls then go through the agent, not the engine.
      await runner.startAgent();
      const located = await locateInImage(planned, runner, plan.image);
      if (located.unavailableReason !== undefined && plan.required) throw new Error(located.unavailableReason);
      selections.push(selectionOf(located, target, runDir));
    }
  } catch (error) {
    await Promise.all(containers.map((c) => c.stop()));
    throw error;
  }
  return { selections, containers };
}

/** The runtime's binary inside the target container, or why it is not there. */
async function locateInImage(planned: PlannedRuntime, runner: Awaited<ReturnType<TargetContainer['runner']>>, image: string): Promise<PlannedRuntime> {
  const wanted = planned.profile.binary;
  const byPath = wanted.includes('/');
  const binary = byPath ? ((await runner.isExecutable(wanted)) ? wanted : undefined) : await commandPath(runner, wanted);
  if (binary !== undefined) return { ...planned, binary };
  const name = planned.key.replace(/@container$/, '');
  return {
    ...planned,
    unavailableReason: `${name} is not in image ${image} (${byPath ? `no executable at ${wanted}` : `no ${wanted} on its PATH`}; give --runtime /path/inside/the/image, or another --image)`,
  };
}

import { pingEngine } from '../container/engine.js';
import { DEFAULT_RECIPE, imageExists, suiteOfImageName } from '../container/runtimes-image.js';
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
    const suite = suiteOfImageName(image);
    const build = suite === undefined || suite === DEFAULT_RECIPE.suite ? 'rtconform image build' : `rtconform image build --suite ${suite}`;
    return `no container target: image ${image} is not in the Docker engine (build it with \`${build}\`, or name one with --image)`;
  }
  return undefined;
}

/** For rtconform's own tests of container targets: why they skip, or, when the plan requires containers, an error. */
export async function containerTestSkipReason(plan: ContainerPlan | undefined): Promise<string | undefined> {
  if (plan === undefined) return 'container targets are off for this run';
  const problem = await containerTargetProblem(plan.images[0]!);
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
  const problems = new Map<string, string>();
  for (const image of plan.images) {
    const problem = await containerTargetProblem(image);
    if (problem === undefined) continue;
    if (plan.required) throw new Error(problem);
    problems.set(image, problem);
  }
  const hybrid = cgroupLayout() === 'hybrid';
  const containers: TargetContainer[] = [];
  /** One runtime placed in a container of its image, or marked with why its image cannot run. */
  const place = async (planned: PlannedRuntime, privilege: Privilege | undefined): Promise<{ selection: RuntimeSelection; privilege?: Privilege }> => {
    const image = imageOf(planned);
    const problem = problems.get(image);
    if (problem !== undefined) {
      const target: SelectionTarget = { kind: 'container', description: `container ${image} (not started)`, image, cgroupView: plan.cgroupView };
      return { selection: selectionOf({ ...planned, unavailableReason: problem }, target, undefined) };
    }
    const container = await startTargetContainer({
      image,
      cgroupView: plan.cgroupView,
      runId,
      shared: [runDir],
      fileSharing: plan.fileSharing,
      hideUnifiedCgroup: plan.cgroupView === 'host' && hybrid && planned.profile.refusesHybridCgroups,
      privilege,
    });
    containers.push(container);
    const runner = await container.runner(containerCallDir(runDir, container.id));
    // One exec for the container's life: the run's calls then go through the agent, not the engine.
    await runner.startAgent();
    const release = await imageRelease(runner);
    const target: SelectionTarget = {
      kind: 'container', description: container.description, containerId: container.id,
      image: container.image, ...(release === undefined ? {} : { release }),
      cgroupView: container.cgroupView, privilege: container.privilege, fileSharing: container.fileSharing,
    };
    const located = await locateInImage(planned, runner, image);
    if (located.unavailableReason !== undefined && plan.required) throw new Error(located.unavailableReason);
    return { selection: selectionOf(located, target, runDir), privilege: container.privilege };
  };
  try {
    // The first target finds out how the engine lets containers be privileged; the others,
    // told, start side by side (a release matrix has four or more: seconds of a run's start).
    const [first, ...rest] = plan.runtimes;
    const placed = [await place(first!, undefined)];
    const privilege = placed[0]!.privilege;
    const others = await Promise.allSettled(rest.map((planned) => place(planned, privilege)));
    for (const other of others) {
      if (other.status === 'rejected') throw other.reason;
      placed.push(other.value);
    }
    return { selections: placed.map((p) => p.selection), containers };
  } catch (error) {
    await Promise.all(containers.map((c) => c.stop()));
    throw error;
  }
}

/** The image a container target's runtime runs in (the plan sets it on every one). */
function imageOf(planned: PlannedRuntime): string {
  if (planned.image === undefined) throw new Error(`the plan gives container target ${planned.key} no image (a bug in rtconform)`);
  return planned.image;
}

/**
 * The release an image's /etc/os-release names, as people call it: Debian's testing and
 * unstable name their next release ("forky/sid"), so those say sid or the codename; others
 * their VERSION_CODENAME, else ID and VERSION_ID.
 */
export function releaseOf(osRelease: string): string | undefined {
  const field = (name: string): string | undefined => {
    const m = new RegExp(`^${name}=(?:"([^"]*)"|(\\S*))$`, 'm').exec(osRelease);
    const value = m?.[1] ?? m?.[2];
    return value === '' ? undefined : value;
  };
  if (field('PRETTY_NAME')?.endsWith('/sid')) return 'sid';
  const id = field('ID');
  return field('VERSION_CODENAME') ?? (id === undefined ? undefined : [id, field('VERSION_ID')].filter(Boolean).join(' '));
}

/** The target container's release (releaseOf its /etc/os-release), or undefined when it has none. */
async function imageRelease(runner: Awaited<ReturnType<TargetContainer['runner']>>): Promise<string | undefined> {
  const result = await runner.run('cat', ['/etc/os-release'], { timeoutMs: 10_000 });
  return result.exitCode === 0 ? releaseOf(result.stdout) : undefined;
}

/** The runtime's binary inside the target container, or why it is not there. */
async function locateInImage(planned: PlannedRuntime, runner: Awaited<ReturnType<TargetContainer['runner']>>, image: string): Promise<PlannedRuntime> {
  const wanted = planned.profile.binary;
  const byPath = wanted.includes('/');
  const binary = byPath ? ((await runner.isExecutable(wanted)) ? wanted : undefined) : await commandPath(runner, wanted);
  if (binary !== undefined) return { ...planned, binary };
  const name = planned.profile.name;
  return {
    ...planned,
    unavailableReason: `${name} is not in image ${image} (${byPath ? `no executable at ${wanted}` : `no ${wanted} on its PATH`}; give --runtime /path/inside/the/image, or another --image)`,
  };
}

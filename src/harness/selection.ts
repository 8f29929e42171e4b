import type { FileSharing } from '../container/file-bridge.js';
import type { CgroupView, Privilege } from '../container/target-container.js';
import type { ExpectedFailure } from '../runtime/declaration.js';
import type { RuntimeProfile } from '../runtime/profiles.js';
import type { RuntimeVersion } from '../runtime/runtime.js';
import type { SpecRelease } from '../requirements/spec-version.js';
import type { Claims, PlannedRuntime, RunPlan } from './plan.js';

/** Where a selection's runtime executes; every verdict names it. */
export type SelectionTarget =
  | { kind: 'host'; description: string }
  | {
    kind: 'container';
    description: string;
    image: string;
    /** The image's release, from its /etc/os-release (sid, trixie); absent when it names none or the container did not start. */
    release?: string;
    cgroupView: CgroupView;
    /** The engine's id of the container the runtime runs in; absent when none could start. */
    containerId?: string;
    /** How the run dir reaches it: bind mount or file bridge. */
    fileSharing?: FileSharing;
    privilege?: Privilege;
  };

export const HOST_TARGET: SelectionTarget = { kind: 'host', description: 'host' };

/** A runtime of the plan, placed on its target for this run: what the test workers drive. */
export interface RuntimeSelection {
  /** Stable key in reports: the name given (`fake`, `runc`, or the path). */
  key: string;
  name: string;
  /** How the runtime is driven, from its declaration. */
  profile: RuntimeProfile;
  /** What its declaration claims: a spec version, and the requirements it is known to break. */
  claims: Claims;
  binary: string | undefined;
  available: boolean;
  /** Why it cannot run here, quoted by every test it skips. */
  unavailableReason: string | undefined;
  /** `--root` for the runtime, when the harness picks one (the fake's lives in the run dir). */
  root: string | undefined;
  target: SelectionTarget;
  /** What `--version` printed, collected once per run for the report. */
  version?: RuntimeVersion;
  /** What its verdicts are judged against, worked out once per run (global setup). */
  judging?: SelectionJudging;
}

export interface SelectionJudging {
  specVersion: SpecRelease;
  /** Where the spec version came from, in words for the report. */
  source: string;
  /** The declared expected failures that apply to this version of the runtime. */
  expectedFailures: ExpectedFailure[];
}

/** What global setup made of the plan, provided to every test worker and the reporter. */
export interface RunContext {
  plan: RunPlan;
  runDir: string;
  selections: RuntimeSelection[];
  /** Where a busybox rootfs template lives, or why none could be built. */
  rootfsTemplate: string | undefined;
  rootfsProblem: string | undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    rtconform: RunContext;
  }
}

/** The state root, inside a run's temp dir, of a runtime that needs no root (the fake). */
export function stateRootIn(runDir: string): string {
  return `${runDir}/fake-root`;
}

/** A planned runtime placed on `target`. A runtime that needs no root keeps its state in the run dir, never in a system-wide root. */
export function selectionOf(planned: PlannedRuntime, target: SelectionTarget, runDir: string | undefined): RuntimeSelection {
  const available = planned.binary !== undefined && planned.unavailableReason === undefined;
  return {
    key: planned.key, name: planned.profile.name, profile: planned.profile, claims: planned.claims,
    binary: planned.binary, available,
    unavailableReason: available ? undefined : (planned.unavailableReason ?? `${planned.key} cannot run here`),
    root: target.kind === 'host' && !planned.profile.needsRoot && runDir !== undefined ? stateRootIn(runDir) : undefined,
    target,
  };
}

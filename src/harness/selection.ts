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
interface SelectionBase {
  /** Stable key in reports: the name given (`fake`, `runc`, or the path). */
  key: string;
  name: string;
  /** How the runtime is driven, from its declaration. */
  profile: RuntimeProfile;
  /** What its declaration claims: a spec version, and the requirements it is known to break. */
  claims: Claims;
  /** `--root` for the runtime, when the harness picks one (the fake's lives in the run dir). */
  root: string | undefined;
  target: SelectionTarget;
}

/** A runtime found, that said its version: its tests run. */
export interface AvailableSelection extends SelectionBase {
  available: true;
  binary: string;
  /** What `--version` printed, collected once per run for the report. */
  version?: RuntimeVersion;
  /** What its verdicts are judged against, worked out once per run (global setup). */
  judging?: SelectionJudging;
}

/** A runtime that cannot run here: every test of it skips with `unavailableReason`. */
export interface UnavailableSelection extends SelectionBase {
  available: false;
  /** The binary, where one was found (it may have failed to say its version). */
  binary: string | undefined;
  /** Why it cannot run here, quoted by every test it skips. */
  unavailableReason: string;
  /** Never asked, never judged. */
  version?: never;
  judging?: never;
}

/** One runtime of the run on one target: available (with its binary) or not (with the reason). */
export type RuntimeSelection = AvailableSelection | UnavailableSelection;

/** The same selection, found unable to run: `reason` says why. */
export function unavailable(selection: RuntimeSelection, reason: string): UnavailableSelection {
  const { key, name, profile, claims, root, target, binary } = selection;
  return { key, name, profile, claims, root, target, binary, available: false, unavailableReason: reason };
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
  const base = {
    key: planned.key, name: planned.profile.name, profile: planned.profile, claims: planned.claims,
    root: target.kind === 'host' && !planned.profile.needsRoot && runDir !== undefined ? stateRootIn(runDir) : undefined,
    target,
  };
  if (planned.binary !== undefined && planned.unavailableReason === undefined) return { ...base, available: true, binary: planned.binary };
  return { ...base, available: false, binary: planned.binary, unavailableReason: planned.unavailableReason ?? `${planned.key} cannot run here` };
}

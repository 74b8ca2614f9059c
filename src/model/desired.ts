/**
 * Desired state, as the manifest states it (src/manifest reads it), the live state a plan starts
 * from (gathered by the sync/check commands from the host, xlp's record and the journal), and the
 * plan and the differences between the two (src/plan computes them, purely). These types are the
 * contract between those three parts; they carry data only.
 */
import type { PayloadState } from './vocabulary.js';

/** What a manifest asks of a payload: applied (on the stack), uploaded (loaded, CHECKED) or absent. */
export const DESIRED_STATES = ['applied', 'uploaded', 'absent'] as const;
export type DesiredState = (typeof DESIRED_STATES)[number];

/** Where something was written in a file: 1-based line and column, as editors count. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A health probe: an argument vector (never a shell) and how long it may run. */
export interface Probe {
  readonly argv: readonly string[];
  readonly timeoutSeconds: number;
}

/** What xlp knows of a payload's bytes, read from the file (or, for a loaded one, from its record). */
export interface PayloadFacts {
  readonly sha256: string;
  readonly buildId?: string;
  /** .livepatch.depends: the build-id the payload must be applied on (the hypervisor's, or the payload below). */
  readonly depends?: string;
  /** .livepatch.xen_depends (Xen 4.17+): the hypervisor build-id the payload was built for. */
  readonly xenDepends?: string;
  /**
   * False when the payload has writable sections besides .livepatch.funcs: Xen refuses to apply it
   * again after a revert until it is unloaded and uploaded again.
   */
  readonly reappliable: boolean;
}

interface DesiredBase {
  readonly name: string;
  /** Where the payload's entry starts in the manifest. */
  readonly position: SourcePosition;
}

/** A payload the manifest wants loaded (applied or uploaded): its file has been read and checked. */
export interface DesiredPresent extends DesiredBase {
  readonly state: 'applied' | 'uploaded';
  /** Absolute path of the payload file (the manifest's relative paths resolved against its directory). */
  readonly file: string;
  /** Absolute path of an OpenSSH signature of the file, when the manifest names one. */
  readonly signature?: string;
  readonly facts: PayloadFacts;
  /** Run in order after the payload is applied by a sync; empty when none. */
  readonly probes: readonly Probe[];
}

/** A payload the manifest wants gone. */
export interface DesiredAbsent extends DesiredBase {
  readonly state: 'absent';
}

export type DesiredPayload = DesiredPresent | DesiredAbsent;

/** What to do with loaded payloads the manifest does not name. */
export const UNMANAGED_POLICIES = ['keep', 'remove'] as const;
export type UnmanagedPolicy = (typeof UNMANAGED_POLICIES)[number];

/** The payloads wanted on one hypervisor build, in stack order (each applied on the one before). */
export interface DesiredHypervisor {
  readonly buildId: string;
  readonly payloads: readonly DesiredPayload[];
  readonly position: SourcePosition;
}

export interface Manifest {
  readonly version: 1;
  /** Absolute path of the manifest file. */
  readonly path: string;
  readonly unmanaged: UnmanagedPolicy;
  readonly hypervisors: readonly DesiredHypervisor[];
}

/** A payload as the host lists it, with what xlp's record adds. */
export interface LivePayload {
  readonly name: string;
  /** 'unknown' when xen-livepatch printed a state it does not know. */
  readonly state: PayloadState | 'unknown';
  /** Xen's status.rc (0, or an errno of the last action; EAGAIN while one is in flight). */
  readonly rc: number;
  /** The bytes xlp uploaded under this name and can vouch for still being the loaded ones; absent when it cannot. */
  readonly vouched?: PayloadFacts;
  /** True when the payload was reverted since it was uploaded (xlp did it, or replace demoted it); absent when unknown. */
  readonly reverted?: boolean;
}

/** The state a plan starts from. */
export interface LiveHost {
  /** The running hypervisor's build-id. */
  readonly xenBuildId: string;
  /** Every loaded payload, in the hypervisor's (upload) order. */
  readonly payloads: readonly LivePayload[];
  /**
   * The applied payloads, bottom of the stack first, as far as xlp knows the order (its record of
   * what it applied); applied payloads missing here were applied outside xlp, in an order it does
   * not know.
   */
  readonly stack: readonly string[];
}

/** One step of a plan: one xlp operation on one payload. */
export type PlanAction = 'upload' | 'apply' | 'revert' | 'unload';

export interface PlanStep {
  readonly action: PlanAction;
  readonly name: string;
  /** Why the step is needed, for people: "xsa-2 is below xsa-3, which must change". */
  readonly why: string;
}

/** One way the host differs from the manifest. */
export type DifferenceKind =
  /** wanted loaded, not loaded */
  | 'missing'
  /** loaded in another state than wanted (CHECKED for applied, APPLIED for uploaded, loaded for absent) */
  | 'state'
  /** applied, but not at its place in the stack */
  | 'order'
  /** loaded with other bytes than the manifest's file (xlp's record says so) */
  | 'bytes'
  /** loaded, but xlp cannot vouch for its bytes (uploaded outside xlp) */
  | 'unverified'
  /** loaded, not named by the manifest */
  | 'unmanaged';

export interface Difference {
  readonly name: string;
  readonly kind: DifferenceKind;
  /** What the manifest wants, in words ("APPLIED, 2nd from the bottom"); null for an unmanaged payload. */
  readonly want: string | null;
  /** What the host has, in words; null when the payload is not loaded. */
  readonly have: string | null;
}

export interface Plan {
  /** The running hypervisor's build-id the plan was made for. */
  readonly xenBuildId: string;
  /** Empty when the host already matches. */
  readonly steps: readonly PlanStep[];
  /** Everything that differs now: drift, for `check`. An unmanaged payload counts only when the policy removes it. */
  readonly differences: readonly Difference[];
  /** Loaded payloads the manifest does not name. */
  readonly unmanaged: readonly string[];
  /** Set when no plan can reach the manifest (an unmanaged payload kept in the way, an unknown stack order): why, and what to do. */
  readonly blocked?: string;
}

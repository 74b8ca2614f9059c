/** The typed results commands print (as-is under --json) and the UI renders. */
import type { Difference, PlanStep } from './desired.js';
import type { PatchLevel } from './patch-level.js';
import type { PayloadView } from './payload-view.js';
import type { ToolOutput } from './types.js';
import type { Operation, Presence } from './vocabulary.js';

/** The same words as a journal outcome's `result`: done (the hypervisor changed), unchanged (it already was so). */
export type OperationOutcome = 'done' | 'unchanged';
/** How a change ended, in the journal's outcome records: an operation's outcome, or failed (see rollback), or rolled-back. */
export type ChangeResult = OperationOutcome | 'failed' | 'rolled-back';

export interface CheckReport {
  readonly passed: readonly string[];
  readonly unchecked: readonly string[];
  readonly skipped: readonly string[];
  readonly signer?: string;
}

/** The result of a changing command. */
export interface OperationResult {
  readonly host: string;
  readonly operation: Operation;
  readonly name: string;
  readonly result: OperationOutcome;
  /** The payload's state after the change, as the tool confirmed it; 'absent' after unload. */
  readonly state: Presence;
  /** What this run did to the host, in order (e.g. upload, apply); empty when nothing needed doing. */
  readonly steps: readonly Operation[];
  /** The payload file's sha256 and build-id, for the operations that take a file (upload, load, replace FILE); null otherwise. */
  readonly sha256: string | null;
  readonly buildId: string | null;
  readonly durationMs: number;
  /** What xlp checked before the change, what it could not check, and what the operator skipped; null when it checked nothing (unload). */
  readonly checks: CheckReport | null;
  /** What xen-livepatch printed at each step, in order. */
  readonly outputs: readonly ToolOutput[];
  /** A dry run: nothing was changed; `result`, `state` and `steps` say what the real run would do. */
  readonly dryRun: boolean;
  /** In a dry run, the tool commands the real run would run, in order (an upload's staged path is a placeholder); null otherwise. */
  readonly wouldRun: readonly (readonly string[])[] | null;
}

/** Whether a load of a file would succeed on a host now (a dry run of the load): inspect's verdict. */
export interface LoadForecast {
  readonly wouldSucceed: boolean;
  /** What the load would do (upload, apply); empty when it would change nothing or be refused. */
  readonly steps: readonly Operation[];
  /** The refusal the load would meet, as it would report it; null when it would succeed. */
  readonly refusal: { readonly code: string; readonly exitCode: number; readonly message: string; readonly hint: string | null } | null;
}

/** What a failed change did to undo itself, and where that left its payload (the journal records the same). */
export interface RollbackReport {
  /** The undo steps tried, in order, e.g. "unload xsa". */
  readonly steps: readonly string[];
  /** Every undo step succeeded. */
  readonly succeeded: boolean;
  /** The payload's presence after the rollback, as listed (or 'unknown' when the host could not be listed). */
  readonly state: Presence | 'unknown';
  readonly error?: string;
}

/** Who holds a host lock: the process, its command line, its machine and since when. */
export interface RunHolder {
  readonly pid: number;
  readonly command: string;
  readonly host: string;
  readonly since: string;
  /** The run id its short-lived files are named with (src/util/run-id.ts). */
  readonly run?: string;
}

export interface ListedPayload extends PayloadView {
  /** The payload's build-id, from xlp's record of what it uploaded; null when xlp does not know it. */
  readonly buildId: string | null;
  /** The .modinfo strings as key/value pairs (as Xen lists them, else as xlp recorded them at upload). */
  readonly modinfo: Readonly<Record<string, string>>;
}

/** The result of `xlp list`. */
export interface ListResult {
  readonly host: string;
  /** A run changing this host right now (it holds the host lock): pid, command, since when; null when none does. */
  readonly inProgress: RunHolder | null;
  readonly payloads: readonly ListedPayload[];
  /** The apply order, the top of the stack, the advisories applied. */
  readonly patchLevel: PatchLevel;
}

/** A loaded payload prune left alone, and why. */
export interface KeptPayload {
  readonly name: string;
  readonly why: string;
}

/** The result of `xlp prune`. */
export interface PruneResult {
  readonly host: string;
  readonly dryRun: boolean;
  /** One unload per pruned payload, in the hypervisor's list order. */
  readonly unloaded: readonly OperationResult[];
  readonly kept: readonly KeptPayload[];
}

/** One run of a health probe after an apply (sync): its argument vector and what came of it. */
export interface ProbeRun {
  readonly argv: readonly string[];
  /** null when it did not exit by itself (timed out, could not start). */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** What it printed, cut to a bound (the journal keeps it). */
  readonly stdout: string;
  readonly stderr: string;
}

/** One step of a sync: the plan's step and how it ended. */
export interface SyncStepResult {
  readonly action: 'upload' | 'apply' | 'revert' | 'unload';
  readonly name: string;
  readonly why: string;
  /** done or unchanged; null in a dry run. */
  readonly result: OperationOutcome | null;
  /** In a dry run, the tool command the step would run; null otherwise. */
  readonly wouldRun: readonly string[] | null;
}

/** The result of `xlp sync`. */
export interface SyncResult {
  readonly host: string;
  /** The manifest, as an absolute path. */
  readonly manifest: string;
  readonly xenBuildId: string;
  readonly dryRun: boolean;
  /** done when a step changed the host; unchanged when it already matched. */
  readonly result: OperationOutcome;
  readonly steps: readonly SyncStepResult[];
  /** How the host differed from the manifest before the sync. */
  readonly differences: readonly Difference[];
  /** Loaded payloads the manifest does not name. */
  readonly unmanaged: readonly string[];
}

/** The result of `xlp check`: exit 0 when in sync, 11 (drift) when not. */
export interface CheckResult {
  readonly host: string;
  readonly manifest: string;
  readonly xenBuildId: string;
  readonly inSync: boolean;
  /** Each way the host differs from the manifest; empty when in sync. */
  readonly differences: readonly Difference[];
  /** Loaded payloads the manifest does not name (drift only when the manifest removes them). */
  readonly unmanaged: readonly string[];
  /** Why a sync could not reach the manifest now, or null. */
  readonly blocked: string | null;
}

/** The result of `xlp plan`: the steps a sync would take, with the tool command of each. */
export interface PlanResult {
  readonly host: string;
  readonly manifest: string;
  readonly xenBuildId: string;
  readonly steps: readonly (PlanStep & { readonly command: readonly string[] })[];
  readonly differences: readonly Difference[];
  readonly unmanaged: readonly string[];
  readonly blocked: string | null;
  /** The file the plan was saved to (--out), or null. */
  readonly savedTo: string | null;
}

/** What `xlp boot` (or `xlp boot clear`) decided on a host, journaled once per run (docs/boot.md). */
export const BOOT_OUTCOMES = ['reapplied', 'nothing-kept', 'disabled', 'held-back', 'failed', 'timeout', 'guard-cleared'] as const;
export type BootOutcome = (typeof BOOT_OUTCOMES)[number];

export interface HeldBack {
  readonly name: string;
  readonly reason: string;
}

export interface BootResult {
  readonly host: string;
  readonly xenBuildId: string;
  readonly outcome: BootOutcome;
  readonly reason: string;
  /** The kept stack, bottom first ([] when nothing was kept). */
  readonly kept: readonly string[];
  /** What boot left loaded from it, bottom first. */
  readonly reapplied: readonly string[];
  readonly heldBack: readonly HeldBack[];
  /** The steps boot took (a sync's), when it got that far. */
  readonly steps: readonly SyncStepResult[];
}

/** Where boot stands on a host, as `xlp status` shows it (docs/boot.md). */
export interface BootStatus {
  /** Why boot would apply nothing now (the kill switch), null when it would; undefined for a remote host (its /proc and /etc are not read). */
  readonly killSwitch?: string | null;
  /** The crash-loop guard: clear, armed (applies not yet judged by a boot), or tripped (critical until cleared). */
  readonly guard: { readonly state: 'clear' | 'armed' | 'tripped'; readonly payloads: readonly string[]; readonly reason?: string; readonly since?: string };
  /** The last boot record of this host in the journal. */
  readonly lastBoot?: { readonly record: number; readonly time: string; readonly outcome: BootOutcome; readonly reason: string };
  /** True when the guard is tripped: a payload the host should carry is held back. */
  readonly critical: boolean;
}

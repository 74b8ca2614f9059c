/** The typed results commands print (as-is under --json) and the UI renders. */
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
  readonly sha256?: string;
  readonly buildId?: string;
  readonly durationMs: number;
  /** What xlp checked before the change, what it could not check, and what the operator skipped. */
  readonly checks?: CheckReport;
  /** What xen-livepatch printed at each step, in order. */
  readonly outputs: readonly ToolOutput[];
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
  /** The .modinfo strings as key/value pairs. */
  readonly modinfo: Readonly<Record<string, string>>;
}

/** The result of `xlp list`. */
export interface ListResult {
  readonly host: string;
  /** A run changing this host right now (it holds the host lock): pid, command, since when. */
  readonly inProgress?: RunHolder;
  readonly payloads: readonly ListedPayload[];
}

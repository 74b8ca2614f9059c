/**
 * The contract between a session (src/ops/session.ts) and the audit journal: the session holds the
 * host lock for its whole run, records each change's intent (flushed to disk) before it touches the
 * hypervisor, and its outcome afterwards.
 */
import type { BootOutcome, ChangeResult, ProbeRun, RollbackReport } from '../model/results.js';
import type { PayloadStatus, ToolOutput } from '../model/types.js';
import type { Operation, Presence } from '../model/vocabulary.js';

export interface AuditIntent {
  readonly operation: Operation;
  readonly name: string;
  /** Where the change happens: 'localhost', the ssh destination, or 'sim:<state file>'. */
  readonly host: string;
  readonly argv: readonly string[];
  readonly sha256?: string;
  readonly buildId?: string;
  readonly depends?: string;
  readonly xenDepends?: string;
  /** Signer identity when the payload's signature was verified. */
  readonly signer?: string;
  /** Checks the operator chose to skip (e.g. '--skip-preflight'), recorded so auditors see them. */
  readonly skippedChecks?: readonly string[];
  readonly stateBefore: readonly PayloadStatus[];
}

export interface AuditError {
  readonly code: string;
  readonly message: string;
  readonly errno?: number;
  readonly exitCode: number;
}

export interface AuditOutcome {
  readonly result: ChangeResult;
  /** The payload's presence after the change. */
  readonly state: Presence | 'unknown';
  readonly error?: AuditError;
  readonly rollback?: RollbackReport;
  /** The signal that asked the run to stop while this change was under way. */
  readonly interrupted?: string;
  /** The host's list after the change: listed, or derived from the state before (then `derived`). */
  readonly stateAfter?: { readonly payloads: readonly PayloadStatus[]; readonly derived: boolean };
  /** Everything the underlying tool printed during the change, in order. */
  readonly outputs: readonly ToolOutput[];
  /** The health probes run after the change (sync), in order. */
  readonly probes?: readonly ProbeRun[];
}

export interface AuditEntry {
  finish(outcome: AuditOutcome): Promise<void>;
}

export interface HoldRequest {
  /** The host being changed, as in AuditIntent.host. */
  readonly host: string;
  /** Describes this run to anyone who has to wait for it, e.g. "xlp apply xsa-466". */
  readonly command: string;
  /** Reads the live state, to resolve what a killed run left unfinished. */
  readonly liveState: () => Promise<readonly PayloadStatus[]>;
  /** Stops a wait for the lock (a stop request arrived first): nothing is changed. */
  readonly signal?: AbortSignal;
  /** Removes what a killed run (by its run id) left on the hosts: called when its lock is taken over. */
  readonly leftovers?: (run: string) => Promise<string[]>;
}

export interface HostHold {
  release(): Promise<void>;
}

export interface BootEvent {
  readonly host: string;
  readonly argv: readonly string[];
  /** The running hypervisor's build-id; '' when it could not be read. */
  readonly xenBuildId: string;
  readonly outcome: BootOutcome;
  /** Why, in one sentence: "the host booted a new hypervisor", "xlp.enable=0 on the kernel command line". */
  readonly reason: string;
  /** The kept stack boot worked from, bottom first. */
  readonly kept?: readonly string[];
  /** What boot left applied or uploaded from it, bottom first. */
  readonly reapplied?: readonly string[];
  /** Payloads of the kept stack not re-applied, and why (bytes changed, the crash-loop guard). */
  readonly heldBack?: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
  readonly error?: AuditError;
}

export interface AuditSink {
  /**
   * Takes the host lock for a whole run (from its first look at the host to its last record), so
   * two runs changing one host never interleave; resolves changes a killed run left unfinished.
   * Throws an XlpError (exit code AUDIT) naming the holder when the lock stays taken.
   */
  hold(request: HoldRequest): Promise<HostHold>;
  /** Durably records the intent; throws an XlpError (exit code AUDIT) when it cannot, so nothing is changed. */
  begin(intent: AuditIntent): Promise<AuditEntry>;
  /** Durably records what a boot run decided (its changes are journaled as usual, through begin). */
  boot(event: BootEvent): Promise<void>;
}

/**
 * The contract between operations and the audit journal: an operation records its intent (flushed
 * to disk) before it touches the hypervisor, and its outcome afterwards.
 */
import type { PayloadStatus, ToolOutput } from '../host/backend.js';

export type AuditOperation = 'upload' | 'apply' | 'revert' | 'unload' | 'replace' | 'load';

export interface AuditIntent {
  readonly operation: AuditOperation;
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
  /** Checks the operator chose to skip (e.g. '--no-verify'), recorded so auditors see them. */
  readonly skippedChecks?: readonly string[];
  readonly stateBefore?: readonly PayloadStatus[];
}

export type AuditResult = 'ok' | 'unchanged' | 'failed' | 'rolled-back';

export interface AuditOutcome {
  readonly result: AuditResult;
  readonly error?: { readonly code: string; readonly message: string; readonly errno?: number; readonly exitCode: number };
  readonly stateAfter?: readonly PayloadStatus[];
  /** Everything the underlying tool printed during the operation, in order. */
  readonly outputs?: readonly ToolOutput[];
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
}

export interface HostHold {
  release(): Promise<void>;
}

export interface AuditSink {
  /** Durably records the intent; throws an XlpError (exit code AUDIT) when it cannot, so nothing is changed. */
  begin(intent: AuditIntent): Promise<AuditEntry>;
  /**
   * Takes the host lock for one whole change (from its first look at the host to its last), so two
   * changes of one host never interleave; resolves changes a killed run left unfinished. Throws an
   * XlpError (exit code AUDIT) naming the holder when the lock stays taken. Sinks without a journal
   * may omit it.
   */
  hold?(request: HoldRequest): Promise<HostHold>;
}

/** For read-only runs and library users who keep no journal. */
export const noAudit: AuditSink = {
  begin: async () => ({ finish: async () => {} }),
};

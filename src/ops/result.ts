import type { PayloadState, ToolOutput } from '../host/backend.js';

export type OperationName = 'upload' | 'apply' | 'revert' | 'unload' | 'replace' | 'load';

/** The typed result of a changing command; printed as-is under --json. */
export interface OperationResult {
  readonly host: string;
  readonly operation: OperationName;
  readonly name: string;
  /** 'done': the hypervisor changed; 'unchanged': it already was in the wanted state. */
  readonly outcome: 'done' | 'unchanged';
  /** The payload's state confirmed by listing after the change; 'absent' after unload. */
  readonly state: PayloadState | 'absent';
  readonly sha256?: string;
  readonly buildId?: string;
  readonly durationMs: number;
  /** What xlp checked before the change, what it could not check, and what the operator skipped. */
  readonly checks?: { readonly passed: readonly string[]; readonly unchecked: readonly string[]; readonly skipped: readonly string[]; readonly signer?: string };
  /** What xen-livepatch printed at each step, in order. */
  readonly outputs: readonly ToolOutput[];
}

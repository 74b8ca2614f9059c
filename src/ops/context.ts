import type { AuditSink } from '../audit/types.js';
import type { Backend } from '../host/backend.js';
import type { Runner } from '../host/runner.js';
import type { ProgressMode } from '../ui/progress.js';

/** Everything an operation needs, built once per command run by the caller. */
export interface OperationContext {
  readonly backend: Backend;
  readonly runner: Runner;
  /** How long to wait for the hypervisor to finish an action or stop being busy. */
  readonly timeoutMs: number;
  readonly audit: AuditSink;
  /** The command line, for the audit journal. */
  readonly argv: readonly string[];
  readonly progress: ProgressMode;
}

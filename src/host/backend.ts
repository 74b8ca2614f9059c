/**
 * The one interface every operation talks to a hypervisor through. Implementations turn the
 * underlying tool's behaviour into typed results and XlpErrors; they know nothing of ssh or oclif.
 */

/** Xen's payload states as xen-livepatch names them; 'unknown' is what it prints for anything else. */
export type PayloadState = 'CHECKED' | 'APPLIED' | 'unknown';

export interface PayloadStatus {
  readonly name: string;
  readonly state: PayloadState;
  /** Positive errno of the last action on this payload, 0 when it succeeded; EAGAIN while one is in flight. */
  readonly rc: number;
  /** The payload's .modinfo `key=value` strings in order; always empty before Xen 4.14, whose list omits them. */
  readonly metadata: readonly string[];
}

export type ActionName = 'apply' | 'revert' | 'unload' | 'replace';

export interface ActionOptions {
  /** Skip the inter-payload build-id check (xen-livepatch --nodeps, Xen 4.14+); apply only. */
  readonly nodeps?: boolean;
}

/** What the underlying tool printed, kept verbatim for --json and the audit journal. */
export interface ToolOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface ActionResult {
  /** 'done': the hypervisor performed it; 'unchanged': already in the target state ("No action needed."). */
  readonly outcome: 'done' | 'unchanged';
  readonly output: ToolOutput;
}

export interface Backend {
  /** Human-readable identity for messages and the audit journal, e.g. "xen-livepatch at /usr/sbin/xen-livepatch". */
  readonly description: string;
  list(): Promise<PayloadStatus[]>;
  /** Uploads the file at `path` (a private copy made by the caller) under `name`. */
  upload(name: string, path: string): Promise<ToolOutput>;
  action(action: ActionName, name: string, options?: ActionOptions): Promise<ActionResult>;
  /** The running hypervisor's build-id, lowercase hex; '' when Xen has none. */
  hypervisorBuildId(): Promise<string>;
  /**
   * Optional: the hypervisor console after asking Xen to dump its livepatch state (`xl debug-keys x`
   * then `xl dmesg`), verbatim; undefined when this host does not allow it. The only place Xen
   * shows the build-ids of loaded payloads (src/verify/console-dump.ts parses it).
   */
  livepatchConsole?(): Promise<string | undefined>;
}

/**
 * The one interface operations reach a hypervisor through. Implementations turn the underlying
 * tool's behaviour into typed results and XlpErrors; operations know nothing of runners, ssh or the
 * simulator (enforced by eslint).
 */
import type { PayloadStatus, ToolOutput } from '../model/types.js';
import type { Action } from '../model/vocabulary.js';

export interface ActionOptions {
  /** Skip the inter-payload build-id check (xen-livepatch --nodeps, Xen 4.14+); apply only. */
  readonly nodeps?: boolean;
}

export interface ActionResult {
  /** 'done': the hypervisor performed it; 'unchanged': already in the target state ("No action needed."). */
  readonly outcome: 'done' | 'unchanged';
  readonly output: ToolOutput;
}

export interface Backend {
  /** Where the tool runs: 'localhost', an ssh destination, or 'sim:<state file>'; names the host in records. */
  readonly host: string;
  /** Human-readable identity for messages, e.g. "xen-livepatch at /usr/sbin/xen-livepatch". */
  readonly description: string;
  list(): Promise<PayloadStatus[]>;
  /**
   * Uploads exactly `bytes` under `name`: a private copy is staged on the host (0600 in a fresh 0700
   * directory; over ssh its sha256 is checked there), handed to the tool as `<dir>/<fileName>` and
   * removed again.
   */
  upload(name: string, bytes: Uint8Array, fileName: string): Promise<ToolOutput>;
  action(action: Action, name: string, options?: ActionOptions): Promise<ActionResult>;
  /** The running hypervisor's build-id, lowercase hex; '' when Xen has none. */
  hypervisorBuildId(): Promise<string>;
  /**
   * The hypervisor console after asking Xen to dump its livepatch state (`xl debug-keys x` then
   * `xl dmesg`), verbatim; undefined when this host does not allow it. The only place Xen shows the
   * build-ids of loaded payloads (src/verify/console-dump.ts parses it).
   */
  livepatchConsole(): Promise<string | undefined>;
  /** Releases what the connection holds (an ssh ControlMaster). Safe to call twice. */
  close(): Promise<void>;
  /** Removes the staged copies (and ssh control directory) a killed run left (src/util/run-id.ts). */
  removeLeftovers(run: string): Promise<string[]>;
}

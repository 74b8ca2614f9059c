/** The data every layer speaks about: a payload as the hypervisor lists it, and a tool's raw output. */
import type { PayloadState } from './vocabulary.js';

export interface PayloadStatus {
  readonly name: string;
  /** What xen-livepatch prints; 'unknown' for any other state number. */
  readonly state: PayloadState | 'unknown';
  /** Positive errno of the last action on this payload, 0 when it succeeded; EAGAIN while one is in flight. */
  readonly rc: number;
  /** The payload's .modinfo `key=value` strings in order; always empty before Xen 4.14, whose list omits them. */
  readonly metadata: readonly string[];
}

/** What an underlying tool printed, kept verbatim for --json and the audit journal. */
export interface ToolOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

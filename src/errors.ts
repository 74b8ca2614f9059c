/**
 * Every failure xlp reports is an XlpError: a one-line message naming the problem, a hint saying
 * what to do, and a stable exit code. Only commands print them; the library throws them.
 */

import { ExitCode, type ExitCodeValue } from './model/exit-codes.js';
import type { RollbackReport } from './model/results.js';

export { ExitCode, type ExitCodeValue };

export interface XlpErrorOptions {
  /** What the user should do next; shown after the message. */
  hint?: string;
  /** Positive errno reported by Xen or the tool, when there is one. */
  errno?: number;
  /** Raw output of the underlying tool, kept for --json and the audit journal. */
  detail?: { stdout?: string; stderr?: string; exitCode?: number };
  /** What a failed change did to undo itself (src/ops/step.ts). */
  rollback?: RollbackReport;
  cause?: unknown;
}

export class XlpError extends Error {
  readonly exitCode: ExitCodeValue;
  /** A short machine-readable identifier, e.g. 'not-found', stable across versions. */
  readonly code: string;
  readonly hint?: string;
  readonly errno?: number;
  readonly detail?: XlpErrorOptions['detail'];
  readonly rollback?: RollbackReport;

  constructor(code: string, exitCode: ExitCodeValue, message: string, options: XlpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'XlpError';
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.errno = options.errno;
    this.detail = options.detail;
    this.rollback = options.rollback;
  }

  /** The shape printed under --json and stored in the audit journal. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      exitCode: this.exitCode,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.errno === undefined ? {} : { errno: this.errno }),
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(this.rollback === undefined ? {} : { rollback: this.rollback }),
    };
  }
}

export const usageError = (message: string, hint?: string): XlpError =>
  new XlpError('usage', ExitCode.USAGE, message, { hint });

export const invalidPayload = (message: string, hint?: string): XlpError =>
  new XlpError('invalid-payload', ExitCode.INVALID_PAYLOAD, message, { hint });

export const isXlpError = (value: unknown): value is XlpError => value instanceof XlpError;

/** An unexpected error is a bug: exit 1 with a one-line message, never a stack trace for users. */
export function asXlpError(error: unknown): XlpError {
  if (isXlpError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new XlpError('internal', ExitCode.FAILED, `internal error: ${message.replace(/\s+/g, ' ').trim()}`, {
    hint: 'rerun with XLP_DEBUG=1 and report it as a bug',
    cause: error,
  });
}

import { asXlpError, isXlpError, type XlpError } from '../errors.js';
import { escapeText } from '../model/text.js';
import { jsonDocument } from './json-document.js';
import { unknownVerdict } from './monitoring.js';

/** What a failure was about: the host, the operation (the command, e.g. "apply", "audit verify") and the payload; null when not applicable or not known yet. */
export interface FailureContext {
  readonly host: string | null;
  readonly operation: string | null;
  readonly payload: string | null;
}

export const NO_CONTEXT: FailureContext = { host: null, operation: null, payload: null };

/** The error document's `error`: every key present, null where a failure has no such part (docs/schema/error.schema.json). */
export function errorBody(failure: XlpError, context: FailureContext): Record<string, unknown> {
  const fixed = {
    code: failure.code,
    exitCode: failure.exitCode,
    message: failure.message,
    hint: failure.hint ?? null,
    errno: failure.errno ?? null,
    detail: failure.detail ?? null,
    rollback: failure.rollback ?? null,
  };
  // What a kind of failure adds of its own (a manifest's problems, line by line).
  const own = Object.fromEntries(Object.entries(failure.toJSON()).filter(([key]) => !Object.hasOwn(fixed, key)));
  // Spelt out: one key order whatever object the caller built the context from.
  return { ...fixed, ...own, host: context.host, operation: context.operation, payload: context.payload };
}

/**
 * Prints a failure the one way every xlp command does: `{"schemaVersion": 1, "error": …}` alone on stdout under --json,
 * else one `xlp: error: <message>; <hint>` line on stderr. Sets the exit code.
 */
export function reportFailure(error: unknown, json: boolean, context: FailureContext = NO_CONTEXT): void {
  const failure = asXlpError(error);
  process.exitCode = failure.exitCode;
  if (json) {
    process.stdout.write(`${jsonDocument({ error: errorBody(failure, context) })}\n`);
    return;
  }
  const hint = failure.hint === undefined ? '' : `; ${failure.hint}`;
  // One line, whatever the message quotes: a tool's output, a payload's text, a path.
  process.stderr.write(`xlp: error: ${escapeText(failure.message)}${escapeText(hint)}\n`);
  if (process.env.XLP_DEBUG !== undefined && !isXlpError(error) && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
}

/** A failure under --nagios: the Monitoring Plugins' UNKNOWN line on stdout, exit 3, whatever went wrong. */
export function reportUnknown(error: unknown): void {
  const failure = asXlpError(error);
  const verdict = unknownVerdict(failure.hint === undefined ? failure.message : `${failure.message}; ${failure.hint}`);
  process.exitCode = verdict.exitCode;
  process.stdout.write(`${verdict.line}\n`);
}

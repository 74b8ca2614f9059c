import { asXlpError, isXlpError } from '../errors.js';
import { escapeText } from '../model/text.js';
import { jsonDocument } from './json-document.js';
import { unknownVerdict } from './monitoring.js';

/**
 * Prints a failure the one way every xlp command does: `{"schemaVersion": 1, "error": …}` alone on stdout under --json,
 * else one `xlp: error: <message>; <hint>` line on stderr. Sets the exit code.
 */
export function reportFailure(error: unknown, json: boolean): void {
  const failure = asXlpError(error);
  process.exitCode = failure.exitCode;
  if (json) {
    process.stdout.write(`${jsonDocument({ error: failure.toJSON() })}\n`);
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

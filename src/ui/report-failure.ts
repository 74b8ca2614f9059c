import { asXlpError, isXlpError } from '../errors.js';

/**
 * Prints a failure the one way every xlp command does: `{"error": …}` alone on stdout under --json,
 * else one `xlp: error: <message>; <hint>` line on stderr. Sets the exit code.
 */
export function reportFailure(error: unknown, json: boolean): void {
  const failure = asXlpError(error);
  process.exitCode = failure.exitCode;
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: failure.toJSON() }, null, 2)}\n`);
    return;
  }
  const hint = failure.hint === undefined ? '' : `; ${failure.hint}`;
  process.stderr.write(`xlp: error: ${failure.message}${hint}\n`);
  if (process.env.XLP_DEBUG !== undefined && !isXlpError(error) && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
}

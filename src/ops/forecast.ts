/**
 * Whether loading a file would succeed on the session's host now, stack included: the load itself,
 * run as a dry run, so the forecast cannot drift from what `xlp load` does.
 */
import { ExitCode, asXlpError } from '../errors.js';
import type { LoadForecast } from '../model/results.js';
import { loadPayload } from './operations.js';
import type { Session } from './session.js';

/** The exit codes of a load refused for the payload's sake; anything else (no host, no journal) is inspect's own failure. */
const REFUSALS: ReadonlySet<number> = new Set([ExitCode.REJECTED, ExitCode.BUSY, ExitCode.WRONG_STATE, ExitCode.NOT_FOUND, ExitCode.INVALID_PAYLOAD, ExitCode.UNVERIFIED]);

export async function forecastLoad(session: Session, file: string): Promise<LoadForecast> {
  if (!session.dryRun) throw new Error('forecastLoad needs a dry-run session');
  try {
    const result = await loadPayload(session, { file });
    return { wouldSucceed: true, steps: result.steps, refusal: null };
  } catch (error) {
    const refusal = asXlpError(error);
    if (!REFUSALS.has(refusal.exitCode)) throw refusal;
    return { wouldSucceed: false, steps: [], refusal: { code: refusal.code, exitCode: refusal.exitCode, message: refusal.message, hint: refusal.hint ?? null } };
  }
}

/** How the outcome of xlp's checks is shown during a run, recorded in the intent and returned in a result. */
import type { CheckReport } from '../../model/results.js';
import type { VerifyOutcome } from '../../verify/verify-stage.js';
import type { StageReport } from '../../model/reporter.js';
import type { IntentFacts } from '../step.js';

export function noteChecks(checks: VerifyOutcome, report: StageReport): void {
  const said = [...checks.passed.map((c) => `ok: ${c}`), ...checks.unchecked.map((c) => `not checked: ${c}`), ...checks.skippedChecks.map((c) => `skipped: ${c}`)];
  if (said.length > 0) report.note(said.join('\n'));
}

export const intentFacts = (checks: VerifyOutcome): IntentFacts => ({
  ...(checks.signer === undefined ? {} : { signer: checks.signer }),
  ...(checks.skippedChecks.length === 0 ? {} : { skippedChecks: checks.skippedChecks }),
});

export const checkReport = ({ passed, unchecked, skippedChecks, signer }: VerifyOutcome): CheckReport => ({
  passed,
  unchecked,
  skipped: skippedChecks,
  ...(signer === undefined ? {} : { signer }),
});

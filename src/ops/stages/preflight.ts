/** Pre-flight of apply and replace: the payload must be one xlp can vouch for, and Xen's build-id checks must pass. */
import type { SignaturePolicy } from '../../verify/policy.js';
import { verifyAction, type VerifyOutcome } from '../../verify/verify-stage.js';
import type { Step } from '../step.js';
import { intentFacts, noteChecks } from './checks.js';

export interface ActionChecks {
  readonly nodeps: boolean;
  readonly skipPreflight: boolean;
  readonly acceptUnverified: boolean;
  readonly policy?: SignaturePolicy;
}

export function preflight(step: Step, operation: 'apply' | 'replace', request: ActionChecks): Promise<VerifyOutcome> {
  return step.check(`Check ${step.name} against the host`, async (report) => {
    const { backend, records } = step.session.options;
    const checks = await verifyAction({ backend, records }, { operation, name: step.name, listed: await step.before(), ...request });
    noteChecks(checks, report);
    step.describe(intentFacts(checks));
    return checks;
  });
}

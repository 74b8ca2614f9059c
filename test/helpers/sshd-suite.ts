/**
 * How the real-sshd suites decide to run: they need root and openssh-server. Locally a missing server
 * is a skip with a message; under CI it fails the run, so the tier cannot silently vanish.
 */
import { sshdUnavailableReason } from './sshd-fixture.js';

export function sshdSuiteEnabled(suite: string): boolean {
  const reason = sshdUnavailableReason();
  if (reason === undefined) return true;
  if (process.env.CI !== undefined) throw new Error(`${suite} must run in CI, but ${reason}`);
  console.warn(`skipping ${suite}: ${reason}`);
  return false;
}

/** The flags of the verification done before a payload reaches a hypervisor (docs/verification.md). */
import * as Flags from '@oclif/core/flags';
import type { SignaturePolicy } from '../src/verify/policy.js';
import type { VerifyOptions } from '../src/verify/verify-stage.js';

const group = 'VERIFY';

export const preflightFlags = {
  'skip-preflight': Flags.boolean({
    summary: "Skip xlp's checks of the payload and its build-ids against the host (recorded in the audit journal).",
    helpGroup: group,
  }),
};

// Its environment variable (XLP_REQUIRE_SIGNATURE) is read with the config files (src/config/), so
// that a system config's requirement yields only to this flag.
const requireSignatureFlag = {
  'require-signature': Flags.boolean({
    allowNo: true,
    summary: 'Refuse payloads without a valid signature (default: XLP_REQUIRE_SIGNATURE, then the verify.requireSignature setting); --no-require-signature waives a requirement (journaled).',
    helpGroup: group,
  }),
};

/** apply and replace: skip the build-id checks, apply bytes xlp did not upload, or one without a verified signature (each journaled). */
export const actionCheckFlags = {
  ...preflightFlags,
  'accept-unverified': Flags.boolean({
    summary: 'Apply or replace a payload xlp did not upload (its bytes were never verified); recorded in the audit journal.',
    helpGroup: group,
  }),
  ...requireSignatureFlag,
};

/** The signature policy: who is trusted, and whether a signature is required. */
export const policyFlags = {
  ...requireSignatureFlag,
  // Their environment variables (XLP_ALLOWED_SIGNERS, XLP_SIGNER) are read with the config files,
  // so that precedence is flag > environment > user config > system config in one place.
  'allowed-signers': Flags.string({ summary: 'ssh-keygen allowed_signers file of trusted keys (default: XLP_ALLOWED_SIGNERS, the config, /etc/xlp/allowed_signers); FILE.sig is then checked whenever it is there.', helpGroup: group }),
  signer: Flags.string({ summary: 'Accept only signatures by this principal of the allowed-signers file (default: XLP_SIGNER, the config).', helpGroup: group }),
};

export const integrityFlags = {
  ...preflightFlags,
  sha256: Flags.string({ summary: 'Refuse the file unless its sha256 is this (64 hex digits).', helpGroup: group }),
  signature: Flags.string({ summary: 'OpenSSH signature of the file (default FILE.sig); giving it makes xlp verify it.', helpGroup: group }),
  ...policyFlags,
};

export function verifyOptions(flags: { 'skip-preflight': boolean; sha256?: string; signature?: string }, policy: SignaturePolicy): VerifyOptions {
  return {
    skipPreflight: flags['skip-preflight'],
    ...(flags.sha256 === undefined ? {} : { sha256: flags.sha256 }),
    ...(flags.signature === undefined ? {} : { signature: flags.signature }),
    policy,
  };
}

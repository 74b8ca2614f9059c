/**
 * The signature policy of a run, from its settings (src/config/): whether a valid signature is
 * required and by whom, the trust list, and a requirement the command line waived. Every command
 * that brings code into the hypervisor applies it: upload and load check the file's signature,
 * apply and replace need a payload whose signature xlp verified when it uploaded it.
 */
import type { Settings } from '../config/resolve.js';
import { DEFAULT_ALLOWED_SIGNERS } from '../config/settings.js';

export interface SignaturePolicy {
  readonly required: boolean;
  /** Where the requirement (or its absence) was set: a config file, XLP_REQUIRE_SIGNATURE, a flag, or 'default'. */
  readonly requiredBy: string;
  /** The audit journal's skipped check when --no-require-signature waived a requirement. */
  readonly waiver?: string;
  /** Weaker settings the system config's policy overruled, for the operator to hear. */
  readonly overruled: readonly string[];
  readonly allowedSigners: string;
  /** An allowed-signers file was configured or given (not just the default): FILE.sig is then checked whenever it is there. */
  readonly allowedSignersChosen: boolean;
  /** Accept only this principal. */
  readonly signer?: string;
}

/** No signature asked for: what the library assumes when its caller gives no policy. */
export const NO_POLICY: SignaturePolicy = { required: false, requiredBy: 'default', overruled: [], allowedSigners: DEFAULT_ALLOWED_SIGNERS, allowedSignersChosen: false };

export const waiverText = (requiredBy: string): string => `signature (required by ${requiredBy}, waived by --no-require-signature)`;

export function signaturePolicy(settings: Settings): SignaturePolicy {
  const required = settings.get('verify.requireSignature');
  const allowedSigners = settings.get('verify.allowedSigners');
  const signer = settings.get('verify.signer');
  return {
    required: required.value,
    requiredBy: required.source,
    ...(settings.waived === undefined ? {} : { waiver: waiverText(settings.waived.source) }),
    overruled: settings.overruled,
    allowedSigners: allowedSigners.value,
    allowedSignersChosen: allowedSigners.source !== 'default',
    ...(signer === undefined ? {} : { signer: signer.value }),
  };
}

/**
 * Is this the payload the operator meant? A --sha256 pin and/or an OpenSSH signature, both checked
 * against the bytes already read (the same bytes that are then staged and uploaded).
 */
import { ExitCode, XlpError, isXlpError, usageError } from '../errors.js';
import { SHA256_HEX } from '../model/build-id.js';
import type { PayloadInfo } from '../payload/types.js';
import { NO_POLICY, type SignaturePolicy } from './policy.js';
import { verifySignature } from './signature.js';

export interface IntegrityOptions {
  /** Expected sha256 of the file, hex. */
  readonly sha256?: string;
  /** The signature file; default FILE.sig. Giving it asks for verification even when not required. */
  readonly signature?: string;
  /** Whether signatures are required, against which keys (src/verify/policy.ts); none by default. */
  readonly policy?: SignaturePolicy;
}

export interface IntegrityResult {
  /** The allowed-signers principal the signature verified for. */
  readonly signer?: string;
  readonly passed: readonly string[];
  /** What could have been checked but was not there (no FILE.sig). */
  readonly unchecked: readonly string[];
  /** Checks a setting asked for that the operator waived on the command line, for the audit journal. */
  readonly skipped: readonly string[];
}

export function checkSha256Pin(actual: string, pinned: string): void {
  const expected = pinned.trim().toLowerCase();
  if (!SHA256_HEX.test(expected)) throw usageError(`--sha256 ${JSON.stringify(pinned)} is not a sha256 (64 hex digits)`, 'copy it from sha256sum or xlp inspect');
  if (expected !== actual) {
    throw new XlpError('sha256-mismatch', ExitCode.INVALID_PAYLOAD, `the file's sha256 is ${actual}, not the pinned ${expected}`, {
      hint: 'this is not the payload you meant: check the file and where it came from',
    });
  }
}

/**
 * The signature is checked when it is required, when --signature names it, or when an
 * allowed-signers file was configured or given and FILE.sig is there: a signature that is present
 * but does not verify is refused whether or not one was required.
 */
export async function verifyIntegrity(file: string, bytes: Uint8Array, info: PayloadInfo, options: IntegrityOptions): Promise<IntegrityResult> {
  const passed: string[] = [];
  if (options.sha256 !== undefined) {
    checkSha256Pin(info.sha256, options.sha256);
    passed.push('sha256 matches the pin');
  }
  const policy = options.policy ?? NO_POLICY;
  const signatureFile = options.signature ?? `${file}.sig`;
  const request = { bytes, signatureFile, allowedSigners: policy.allowedSigners, ...(policy.signer === undefined ? {} : { identity: policy.signer }) };
  const waived = policy.waiver === undefined ? [] : [policy.waiver];
  if (policy.required || options.signature !== undefined) {
    const verified = await verifySignature(request).catch((error: unknown) => {
      throw policy.required && options.signature === undefined ? requiredBy(error, policy) : error;
    });
    return { signer: verified.signer, passed: [...passed, `signature by ${verified.signer} (${signatureFile}${policy.required ? `, required by ${policy.requiredBy}` : ''})`], unchecked: [], skipped: [] };
  }
  if (!policy.allowedSignersChosen) return { passed, unchecked: [], skipped: waived };
  const verified = await verifySignature(request).catch((error: unknown) => {
    if (isXlpError(error) && error.code === 'signature-missing') return undefined;
    throw error;
  });
  if (verified === undefined) return { passed, unchecked: [`signature: there is no ${signatureFile} (signatures are not required)`], skipped: waived };
  return { signer: verified.signer, passed: [...passed, `signature by ${verified.signer} (${signatureFile}, allowed signers ${policy.allowedSigners})`], unchecked: [], skipped: [] };
}

/** A failed required signature says who requires it, and what alone waives it. */
function requiredBy(error: unknown, policy: SignaturePolicy): unknown {
  if (!isXlpError(error)) return error;
  const hint = [error.hint, 'only --no-require-signature waives the requirement (journaled)'].filter((part) => part !== undefined).join('; ');
  return new XlpError(error.code, error.exitCode, `${error.message} (signatures are required by ${policy.requiredBy})`, { hint, ...(error.detail === undefined ? {} : { detail: error.detail }) });
}

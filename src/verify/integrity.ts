/**
 * Is this the payload the operator meant? A --sha256 pin and/or an OpenSSH signature, both checked
 * against the bytes already read (the same bytes that are then staged and uploaded).
 */
import { ExitCode, XlpError, usageError } from '../errors.js';
import { SHA256_HEX } from '../model/build-id.js';
import type { PayloadInfo } from '../payload/types.js';
import { loadVerifySettings, type VerifyOverrides } from './config.js';
import { verifySignature } from './signature.js';

export interface IntegrityOptions extends VerifyOverrides {
  /** Expected sha256 of the file, hex. */
  readonly sha256?: string;
  /** The signature file; default FILE.sig. Giving it asks for verification even when not required. */
  readonly signature?: string;
}

export interface IntegrityResult {
  /** The allowed-signers principal the signature verified for. */
  readonly signer?: string;
  readonly passed: readonly string[];
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

export async function verifyIntegrity(file: string, bytes: Uint8Array, info: PayloadInfo, options: IntegrityOptions): Promise<IntegrityResult> {
  const passed: string[] = [];
  const skipped: string[] = [];
  if (options.sha256 !== undefined) {
    checkSha256Pin(info.sha256, options.sha256);
    passed.push('sha256 matches the pin');
  }
  const settings = await loadVerifySettings(options);
  if (settings.configured.requireSignature && !settings.requireSignature && options.signature === undefined) {
    skipped.push(`signature (required by ${settings.configured.from}, waived by --no-require-signature)`);
  }
  if (!settings.requireSignature && options.signature === undefined) return { passed, skipped };
  const verified = await verifySignature({
    bytes,
    signatureFile: options.signature ?? `${file}.sig`,
    allowedSigners: settings.allowedSigners,
    ...(settings.signer === undefined ? {} : { identity: settings.signer }),
  });
  passed.push(`signature by ${verified.signer}`);
  return { signer: verified.signer, passed, skipped };
}

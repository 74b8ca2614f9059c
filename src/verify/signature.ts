/**
 * Payload signatures are OpenSSH signatures (`ssh-keygen -Y sign -n xlp-payload`), so the keys and
 * hardware tokens operators already have work, and the trust list is an ordinary allowed_signers
 * file. Verification feeds ssh-keygen the exact bytes xlp read (stdin) and the signature and
 * signers it read (private copies): nothing the user named is opened twice. Each failure gets its own message.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { ExitCode, XlpError } from '../errors.js';
import { readTrustedFile, UntrustedFile } from '../util/trusted-file.js';
import { inputPath, runSshKeygen } from './ssh-keygen.js';

/** The namespace every xlp signature is made in; a signature made for another purpose never verifies. */
export const SIGNATURE_NAMESPACE = 'xlp-payload';

const MAX_SIGNATURE_BYTES = 64 * 1024;
const MAX_SIGNERS_BYTES = 1024 * 1024;
const ARMOR = '-----BEGIN SSH SIGNATURE-----';

export interface SignatureRequest {
  /** The payload bytes exactly as read. */
  readonly bytes: Uint8Array;
  /** The detached signature file (conventionally FILE.sig). */
  readonly signatureFile: string;
  /** The allowed_signers file (ssh-keygen(1), ALLOWED SIGNERS). */
  readonly allowedSigners: string;
  /** Accept only this principal; by default any principal the allowed-signers file gives the key. */
  readonly identity?: string;
}

export interface VerifiedSignature {
  /** The principal of the allowed-signers file the signature verified for. */
  readonly signer: string;
  /** ssh-keygen's "Good … signature for … with … key SHA256:…" line. */
  readonly detail: string;
}

const failure = (code: string, message: string, hint: string, stderr?: string): XlpError =>
  new XlpError(code, ExitCode.INVALID_PAYLOAD, message, { hint, ...(stderr === undefined ? {} : { detail: { stderr } }) });

export async function verifySignature(request: SignatureRequest): Promise<VerifiedSignature> {
  const signature = await readSignature(request.signatureFile);
  const signers = await readSigners(request.allowedSigners);
  const principals = await findPrincipals(signature, signers);
  const candidates = request.identity === undefined ? principals : principals.filter((p) => p === request.identity);
  for (const principal of candidates) {
    const result = await runSshKeygen(['-Y', 'verify', '-f', inputPath(1), '-I', principal, '-n', SIGNATURE_NAMESPACE, '-s', inputPath(0)], {
      stdin: request.bytes,
      inputs: [signature, signers],
    });
    if (result.exitCode === 0) return { signer: principal, detail: result.stdout.trim() };
  }
  // Say why: check the signature against the bytes alone, without any trust list.
  await diagnose(request, signature);
  if (principals.length === 0) {
    throw failure('signature-untrusted', `${request.signatureFile} was made with a key that is not in ${request.allowedSigners}`, 'sign with a key listed there, or have the key added to the allowed-signers file');
  }
  if (candidates.length === 0) {
    throw failure('signature-wrong-signer', `${request.signatureFile} was signed by ${principals.join(', ')}, not by the required signer ${request.identity}`, 'have the required signer sign the payload, or change the required signer');
  }
  throw failure('signature-not-allowed', `${request.allowedSigners} does not allow ${principals.join(', ')} to sign xlp payloads now (namespace or validity restrictions)`, `check that key's namespaces= and valid-after/valid-before options (they must allow "${SIGNATURE_NAMESPACE}")`);
}

async function readSignature(path: string): Promise<Uint8Array> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw failure('signature-missing', `no signature file ${path}`, `sign the payload (xlp sign FILE --key KEY) and keep FILE.sig beside it, or name the signature with --signature`);
    throw failure('signature-unreadable', `cannot read signature file ${path}: ${error.code ?? error.message}`, 'check its permissions');
  });
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_SIGNATURE_BYTES) throw failure('signature-malformed', `${path} is not an SSH signature file`, 'give the .sig file ssh-keygen -Y sign (or xlp sign) wrote');
    const bytes = await handle.readFile();
    if (!bytes.toString('latin1').trimStart().startsWith(ARMOR)) {
      throw failure('signature-malformed', `${path} is not an SSH signature (no "${ARMOR}" header)`, 'give the .sig file ssh-keygen -Y sign (or xlp sign) wrote');
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** The allowed-signers file is a trust anchor: one anybody else could have written would let them bless their own payload. */
async function readSigners(path: string): Promise<Uint8Array> {
  return readTrustedFile(path, { maxBytes: MAX_SIGNERS_BYTES }).catch((error: unknown) => {
    if (!(error instanceof UntrustedFile)) throw error;
    throw failure('signers-unusable', `the allowed-signers file ${error.message}`, error.fix);
  });
}

async function findPrincipals(signature: Uint8Array, signers: Uint8Array): Promise<string[]> {
  const result = await runSshKeygen(['-Y', 'find-principals', '-f', inputPath(1), '-s', inputPath(0)], { inputs: [signature, signers] });
  if (result.exitCode !== 0) return [];
  return result.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}

/** Throws the specific reason when the signature does not even match these bytes in our namespace. */
async function diagnose(request: SignatureRequest, signature: Uint8Array): Promise<void> {
  const result = await runSshKeygen(['-Y', 'check-novalidate', '-n', SIGNATURE_NAMESPACE, '-s', inputPath(0)], { stdin: request.bytes, inputs: [signature] });
  if (result.exitCode === 0) return;
  const stderr = result.stderr.trim();
  if (/namespace does not match/.test(stderr)) {
    throw failure('signature-wrong-namespace', `${request.signatureFile} was not made for xlp payloads (its namespace is not "${SIGNATURE_NAMESPACE}")`, `sign with xlp sign, or ssh-keygen -Y sign -n ${SIGNATURE_NAMESPACE}`, stderr);
  }
  if (/incorrect signature/.test(stderr)) {
    throw failure('signature-mismatch', `${request.signatureFile} does not match the payload: the file was changed after it was signed, or the signature belongs to another file`, 'do not load this payload; get the payload and its signature again from the builder', stderr);
  }
  throw failure('signature-malformed', `${request.signatureFile} cannot be parsed as an SSH signature: ${stderr.split('\n')[0] ?? 'unknown error'}`, 'give the .sig file ssh-keygen -Y sign (or xlp sign) wrote', stderr);
}

export interface SignOptions {
  readonly bytes: Uint8Array;
  /** A private key file, or a public key whose private half is in ssh-agent or on a security key. */
  readonly key: string;
}

/** The armored signature of `bytes`; ssh-keygen may prompt (passphrase, touch) on the terminal. */
export async function signBytes(options: SignOptions): Promise<string> {
  const result = await runSshKeygen(['-Y', 'sign', '-f', options.key, '-n', SIGNATURE_NAMESPACE], { stdin: options.bytes, echoStderr: true });
  if (result.exitCode !== 0 || !result.stdout.includes(ARMOR)) {
    const why = result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `ssh-keygen exited ${result.exitCode}`;
    throw new XlpError('sign-failed', ExitCode.FAILED, `signing with ${options.key} failed: ${why}`, {
      hint: 'check the key path and passphrase (a public key works when its private key is in ssh-agent or on a security key)',
    });
  }
  return result.stdout;
}

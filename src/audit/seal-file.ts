/**
 * The seal file, `<journal>.seal`: one JSON object naming the journal's last record (seq and hash)
 * with an HMAC-SHA256 or an ssh signature over sealMessage(seq, hash). Read here for writers and
 * verifiers alike; a seal that does not have this exact shape, or names a method xlp does not know,
 * is reported as such and never trusted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { auditError, journalIoError } from './journal-errors.js';

export const SEAL_METHODS = ['hmac-sha256', 'ssh'] as const;
export type SealMethod = (typeof SEAL_METHODS)[number];

export interface SealFile {
  readonly v: 1;
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
  readonly method: SealMethod;
  /** hex HMAC-SHA256 (hmac-sha256) or an armored SSH signature (ssh) of sealMessage(seq, hash). */
  readonly seal: string;
}

/** What is at `<journal>.seal`: nothing, a well-formed seal, or something that is not one. `raw` restores it. */
export type SealRead = { readonly kind: 'absent' } | { readonly kind: 'seal'; readonly file: SealFile; readonly raw: string } | { readonly kind: 'bad'; readonly problem: string; readonly raw: string };

export const sealPath = (journal: string): string => `${journal}.seal`;
export const sealMessage = (seq: number, hash: string): string => `xlp-audit-seal v1 seq=${seq} hash=${hash}\n`;

export async function readSeal(journal: string): Promise<SealRead> {
  const handle = await open(sealPath(journal), constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw journalIoError('read the seal of', journal, error);
  });
  if (handle === undefined) return { kind: 'absent' };
  try {
    const raw = await handle.readFile('utf8');
    const problem = shapeProblem(raw);
    return problem === undefined ? { kind: 'seal', file: JSON.parse(raw) as SealFile, raw } : { kind: 'bad', problem, raw };
  } finally {
    await handle.close();
  }
}

function shapeProblem(raw: string): string | undefined {
  let parsed: Partial<Record<keyof SealFile, unknown>>;
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch {
    return 'is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'is not a seal object';
  if (typeof parsed.method !== 'string' || !(SEAL_METHODS as readonly string[]).includes(parsed.method)) {
    return `names a sealing method xlp does not know (${JSON.stringify(parsed.method)}; known: ${SEAL_METHODS.join(', ')})`;
  }
  const wellFormed = parsed.v === 1 && Number.isSafeInteger(parsed.seq) && (parsed.seq as number) > 0 && typeof parsed.hash === 'string' && /^[0-9a-f]{64}$/.test(parsed.hash) && typeof parsed.seal === 'string';
  return wellFormed ? undefined : 'is not a version 1 seal (v, seq, hash, method, seal)';
}

/** Reads an HMAC key file, refusing one that others can read (a readable key seals nothing). */
export async function readHmacKey(path: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: unknown) => {
    throw journalIoError('read the seal key for', path, error);
  });
  try {
    const info = await handle.stat();
    if ((info.mode & 0o077) !== 0) throw auditError('audit-seal', `the seal key ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)})`, `chmod 600 ${path}`);
    const key = await handle.readFile();
    if (key.length < 16) throw auditError('audit-seal', `the seal key ${path} is too short (${key.length} bytes, need 16 or more)`, 'make one with: head -c 32 /dev/urandom > KEYFILE; chmod 600 KEYFILE');
    return key;
  } finally {
    await handle.close();
  }
}

export const hmacSeal = (key: Buffer, seq: number, hash: string): string => createHmac('sha256', key).update(sealMessage(seq, hash)).digest('hex');

export const sameHex = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * How `xlp audit verify` judges the seal: it must name the proven head of the chain; with a key
 * given, it must be present (once the journal has records), made by the method of that key, and
 * valid for it. A seal cannot be talked out of its checks by naming another method, or one xlp
 * does not know.
 */
import { readFile } from 'node:fs/promises';
import { journalIoError } from './journal-errors.js';
import { hmacSeal, readHmacKey, readSeal, sameHex, sealMessage, type SealMethod } from './seal-file.js';
import { sshVerify } from './seal-ssh.js';

/** How a verifier checks a seal; without either, only seq and hash are compared. */
export interface SealCheckConfig {
  readonly hmacKeyFile?: string;
  readonly allowedSigners?: string;
}

export type SealStatus = 'valid' | 'unchecked' | 'absent' | 'invalid' | 'truncated' | 'unsealed-tail' | 'wrong-method' | 'malformed';

export interface SealReport {
  readonly status: SealStatus;
  readonly method?: SealMethod;
  readonly seq?: number;
  readonly message: string;
}

/** The statuses that pass: a seal asked for (a key given) must be there once there is something to seal. */
export const sealOk = (report: SealReport, keyGiven: boolean, records: number): boolean =>
  report.status === 'valid' || report.status === 'unchecked' || (report.status === 'absent' && (!keyGiven || records === 0));

const KEY_FLAG: Record<SealMethod, string> = { 'hmac-sha256': '--seal-key', ssh: '--allowed-signers' };

/** Compares the seal with the proven head of the chain, and checks its MAC or signature when a key is given. */
export async function checkSeal(journal: string, head: { seq: number; hash: string } | undefined, config: SealCheckConfig): Promise<SealReport> {
  const read = await readSeal(journal);
  if (read.kind === 'absent') return { status: 'absent', message: 'the journal has no seal' };
  if (read.kind === 'bad') return { status: 'malformed', message: `the seal ${read.problem}: it was damaged or replaced` };
  const seal = read.file;
  const base = { method: seal.method, seq: seal.seq };
  const last = head?.seq ?? 0;
  if (seal.seq > last) return { ...base, status: 'truncated', message: `the seal covers record ${seal.seq} but the journal ends at record ${last}: records ${last + 1} to ${seal.seq} were removed` };
  if (seal.seq < last) return { ...base, status: 'unsealed-tail', message: `records ${seal.seq + 1} to ${last} come after the sealed head (record ${seal.seq}): they were not written by a sealing xlp` };
  if (seal.hash !== head?.hash) return { ...base, status: 'invalid', message: `the seal names a different record ${seal.seq} than the journal holds: the journal was rewritten` };
  const given = [...(config.hmacKeyFile === undefined ? [] : ['hmac-sha256' as const]), ...(config.allowedSigners === undefined ? [] : ['ssh' as const])];
  if (given.length === 0) {
    return { ...base, status: 'unchecked', message: `the seal names the last record (${seal.seq}); its ${seal.method} ${seal.method === 'ssh' ? 'signature' : 'MAC'} was not checked (give ${KEY_FLAG[seal.method]})` };
  }
  if (!given.includes(seal.method)) {
    return { ...base, status: 'wrong-method', message: `the seal says it was made by ${seal.method}, but the key given is for ${given.join(' and ')} (${given.map((m) => KEY_FLAG[m]).join(', ')}): a seal is valid only by the method of the key that checks it` };
  }
  if (seal.method === 'hmac-sha256') {
    const ok = sameHex(seal.seal, hmacSeal(await readHmacKey(config.hmacKeyFile as string), seal.seq, seal.hash));
    return ok ? { ...base, status: 'valid', message: `HMAC seal of record ${seal.seq} is valid` } : { ...base, status: 'invalid', message: 'the HMAC seal does not match: the seal was forged or the key is wrong' };
  }
  const signers = await readFile(config.allowedSigners as string, 'utf8').catch((error: unknown) => {
    throw journalIoError('read the allowed signers for', config.allowedSigners as string, error);
  });
  const ok = await sshVerify(signers, seal.seal, sealMessage(seal.seq, seal.hash));
  return ok ? { ...base, status: 'valid', message: `ssh signature of record ${seal.seq} is valid` } : { ...base, status: 'invalid', message: 'the ssh signature does not verify with the allowed signers: the seal was forged or the key is not trusted' };
}

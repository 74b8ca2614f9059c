/**
 * Sealing of the chain head, so that removing records from the end is detected too: after every
 * append, `<journal>.seal` names the last record (seq and hash) and carries an HMAC-SHA256 of that
 * over a key file, or an `ssh-keygen -Y sign` signature (namespace xlp-audit). A writer checks the
 * seal before appending, so it never seals over records that were added behind its back.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runtimeDir } from '../paths.js';
import { ensurePrivateDir } from '../util/private-dir.js';
import { auditError, journalIoError } from './journal-errors.js';
import { syncDirectory } from './sync-dir.js';

export const SEAL_NAMESPACE = 'xlp-audit';

export type SealMethod = 'hmac-sha256' | 'ssh';

export interface SealFile {
  readonly v: 1;
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
  readonly method: SealMethod;
  /** hex HMAC-SHA256 (hmac-sha256) or an armored SSH signature (ssh) of sealMessage(seq, hash). */
  readonly seal: string;
}

/** How a writer seals; at most one of the two. */
export interface SealConfig {
  readonly hmacKeyFile?: string;
  /** Private key for ssh-keygen -Y sign; its public half is read from `<key>.pub`. */
  readonly sshKeyFile?: string;
}

/** How a verifier checks a seal; without either, only seq and hash are compared. */
export interface SealCheckConfig {
  readonly hmacKeyFile?: string;
  readonly allowedSigners?: string;
}

export const sealPath = (journal: string): string => `${journal}.seal`;
export const sealMessage = (seq: number, hash: string): string => `xlp-audit-seal v1 seq=${seq} hash=${hash}\n`;

async function readSeal(journal: string): Promise<SealFile | undefined> {
  const path = sealPath(journal);
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw journalIoError('read the seal of', journal, error);
  });
  if (handle === undefined) return undefined;
  try {
    const parsed = JSON.parse(await handle.readFile('utf8')) as Partial<SealFile>;
    if (typeof parsed.seq !== 'number' || typeof parsed.hash !== 'string' || typeof parsed.seal !== 'string' || (parsed.method !== 'hmac-sha256' && parsed.method !== 'ssh')) {
      throw new Error('bad shape');
    }
    return parsed as SealFile;
  } catch {
    throw auditError('audit-seal', `the seal ${path} is not a valid seal file`, 'run xlp audit verify; the seal was damaged or replaced');
  } finally {
    await handle.close();
  }
}

/** Reads an HMAC key file, refusing one that others can read (a readable key seals nothing). */
async function readHmacKey(path: string): Promise<Buffer> {
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

const hmac = (key: Buffer, seq: number, hash: string): string => createHmac('sha256', key).update(sealMessage(seq, hash)).digest('hex');

const sameHex = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Seals new heads for one writer; the key is read once. */
export class Sealer {
  private key?: Buffer;

  constructor(
    private readonly journal: string,
    private readonly config: SealConfig,
  ) {}

  static from(journal: string, config: SealConfig): Sealer | undefined {
    if (config.hmacKeyFile === undefined && config.sshKeyFile === undefined) return undefined;
    return new Sealer(journal, config);
  }

  /** Refuses to append when the seal does not name the journal's current last record. */
  async check(tail: { seq: number; hash: string }): Promise<void> {
    const seal = await readSeal(this.journal);
    // A journal sealed for the first time: the first seal covers the history as it is.
    if (seal === undefined) return;
    const problem =
      seal.seq !== tail.seq || seal.hash !== tail.hash
        ? `the seal names record ${seal.seq} but the journal ends at record ${tail.seq}`
        : !(await this.valid(seal))
          ? 'the seal does not verify with the configured key'
          : undefined;
    if (problem !== undefined) {
      throw auditError('audit-seal', `the audit journal ${this.journal} was changed outside xlp: ${problem}; nothing was changed`, "run 'xlp audit verify'; after review, move the journal and its .seal aside to start a new one");
    }
  }

  async write(seq: number, hash: string): Promise<void> {
    const method: SealMethod = this.config.hmacKeyFile !== undefined ? 'hmac-sha256' : 'ssh';
    const seal = method === 'hmac-sha256' ? hmac(await this.hmacKey(), seq, hash) : await sshSign(this.config.sshKeyFile as string, sealMessage(seq, hash));
    const file: SealFile = { v: 1, seq, hash, time: new Date().toISOString(), method, seal };
    await replaceFile(sealPath(this.journal), `${JSON.stringify(file)}\n`).catch((error: unknown) => {
      throw journalIoError('seal', this.journal, error);
    });
  }

  private async valid(seal: SealFile): Promise<boolean> {
    if (seal.method === 'hmac-sha256') return this.config.hmacKeyFile !== undefined && sameHex(seal.seal, hmac(await this.hmacKey(), seal.seq, seal.hash));
    if (this.config.sshKeyFile === undefined) return false;
    const publicKey = (await readFile(`${this.config.sshKeyFile}.pub`, 'utf8')).trim();
    return sshVerify(`${SEAL_NAMESPACE} namespaces="${SEAL_NAMESPACE}" ${publicKey}\n`, seal.seal, sealMessage(seal.seq, seal.hash));
  }

  private async hmacKey(): Promise<Buffer> {
    this.key ??= await readHmacKey(this.config.hmacKeyFile as string);
    return this.key;
  }
}

export type SealStatus = 'valid' | 'unchecked' | 'absent' | 'invalid' | 'truncated' | 'unsealed-tail';

export interface SealReport {
  readonly status: SealStatus;
  readonly method?: SealMethod;
  readonly seq?: number;
  readonly message: string;
}

/** Compares the seal with the proven head of the chain, and checks its MAC or signature when a key is given. */
export async function checkSeal(journal: string, head: { seq: number; hash: string } | undefined, config: SealCheckConfig): Promise<SealReport> {
  const seal = await readSeal(journal);
  if (seal === undefined) return { status: 'absent', message: 'the journal has no seal' };
  const base = { method: seal.method, seq: seal.seq };
  const last = head?.seq ?? 0;
  if (seal.seq > last) return { ...base, status: 'truncated', message: `the seal covers record ${seal.seq} but the journal ends at record ${last}: records ${last + 1} to ${seal.seq} were removed` };
  if (seal.seq < last) return { ...base, status: 'unsealed-tail', message: `records ${seal.seq + 1} to ${last} come after the sealed head (record ${seal.seq}): they were not written by a sealing xlp` };
  if (seal.hash !== head?.hash) return { ...base, status: 'invalid', message: `the seal names a different record ${seal.seq} than the journal holds: the journal was rewritten` };
  if (seal.method === 'hmac-sha256' && config.hmacKeyFile !== undefined) {
    const ok = sameHex(seal.seal, hmac(await readHmacKey(config.hmacKeyFile), seal.seq, seal.hash));
    return ok ? { ...base, status: 'valid', message: `HMAC seal of record ${seal.seq} is valid` } : { ...base, status: 'invalid', message: 'the HMAC seal does not match: the seal was forged or the key is wrong' };
  }
  if (seal.method === 'ssh' && config.allowedSigners !== undefined) {
    const signers = await readFile(config.allowedSigners, 'utf8').catch((error: unknown) => {
      throw journalIoError('read the allowed signers for', config.allowedSigners as string, error);
    });
    const ok = await sshVerify(signers, seal.seal, sealMessage(seal.seq, seal.hash));
    return ok ? { ...base, status: 'valid', message: `ssh signature of record ${seal.seq} is valid` } : { ...base, status: 'invalid', message: 'the ssh signature does not verify with the allowed signers: the seal was forged or the key is not trusted' };
  }
  return { ...base, status: 'unchecked', message: `the seal names the last record (${seal.seq}); its ${seal.method} ${seal.method === 'ssh' ? 'signature' : 'MAC'} was not checked (give ${seal.method === 'ssh' ? '--allowed-signers' : '--seal-key'})` };
}

async function sshSign(keyFile: string, message: string): Promise<string> {
  const { execa } = await import('execa');
  const result = await execa('ssh-keygen', ['-q', '-Y', 'sign', '-f', keyFile, '-n', SEAL_NAMESPACE], { input: message, reject: false });
  if (result.exitCode !== 0 || !result.stdout.includes('BEGIN SSH SIGNATURE')) {
    throw auditError('audit-seal', `ssh-keygen could not sign the journal head with ${keyFile}: ${result.stderr.trim() || result.shortMessage}`, 'check XLP_AUDIT_SEAL_SSH_KEY (a private key without passphrase, or one held by ssh-agent)');
  }
  return result.stdout;
}

/** ssh-keygen reads the signature and the allowed signers from files: keep them in a private directory. */
async function sshVerify(allowedSigners: string, signature: string, message: string): Promise<boolean> {
  const base = await ensurePrivateDir(runtimeDir());
  const dir = await mkdtemp(join(base, 'seal-'));
  try {
    const signers = join(dir, 'allowed_signers');
    const sig = join(dir, 'seal.sig');
    await writeFile(signers, allowedSigners, { mode: 0o600, flag: 'wx' });
    await writeFile(sig, signature, { mode: 0o600, flag: 'wx' });
    const { execa } = await import('execa');
    const found = await execa('ssh-keygen', ['-Y', 'find-principals', '-s', sig, '-f', signers], { reject: false });
    const principal = found.exitCode === 0 ? found.stdout.split('\n')[0]?.trim() : undefined;
    if (principal === undefined || principal === '') return false;
    const verified = await execa('ssh-keygen', ['-Y', 'verify', '-f', signers, '-I', principal, '-n', SEAL_NAMESPACE, '-s', sig], { input: message, reject: false });
    return verified.exitCode === 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Atomic replacement: a private temp file in the same directory, fsync, rename, fsync the directory. */
async function replaceFile(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await rm(temp, { force: true });
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

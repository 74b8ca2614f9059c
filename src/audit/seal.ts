/**
 * Sealing of the chain head, so that removing records from the end is detected too: after every
 * append, `<journal>.seal` names the last record (seq and hash) and carries an HMAC-SHA256 of that
 * over a key file, or an `ssh-keygen -Y sign` signature (namespace xlp-audit). A writer checks the
 * seal before appending, so it never seals over records that were added or removed behind its back.
 * Writing the seal is part of the append: when it fails, the journal cuts the record back and the
 * previous seal stays (or is put back), so a full disk never leaves a seal naming a record that is gone.
 */
import { constants } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { auditError, journalIoError } from './journal-errors.js';
import { hmacSeal, readHmacKey, sameHex, sealMessage, sealPath, type SealFile, type SealMethod, type SealRead } from './seal-file.js';
import { SEAL_NAMESPACE, sshSign, sshVerify } from './seal-ssh.js';
import { syncDirectory } from '../util/sync-dir.js';
import { writeAll } from './write-all.js';

/** How a writer seals; at most one of the two. */
export interface SealConfig {
  readonly hmacKeyFile?: string;
  /** Private key for ssh-keygen -Y sign; its public half is read from `<key>.pub`. */
  readonly sshKeyFile?: string;
}

const START_HINT = "if sealing is being turned on for this journal, review it (xlp audit verify), then run 'xlp audit seal --start', which journals that sealing starts there; otherwise put its .seal back";

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

  get method(): SealMethod {
    return this.config.hmacKeyFile !== undefined ? 'hmac-sha256' : 'ssh';
  }

  /**
   * Refuses to append unless the seal names the journal's head, by this writer's method and key.
   * A journal with records and no seal is refused too: a deleted seal with a cut tail looks exactly
   * like a journal never sealed, so a first seal over records is written only when `starting`
   * (`xlp audit seal --start`, which journals it).
   */
  async check(head: { seq: number; hash: string }, seal: SealRead, starting = false): Promise<void> {
    const refuse = (problem: string, hint = "run 'xlp audit verify'; after review, move the journal and its .seal aside to start a new one"): never => {
      throw auditError('audit-seal', `the audit journal ${this.journal} ${problem}; nothing was changed`, hint);
    };
    if (seal.kind === 'absent') {
      if (head.seq === 0 || starting) return;
      return refuse(`has ${head.seq} records but no seal, and this xlp seals: it will not write a first seal over a history no seal covered (a deleted seal and a cut tail look the same)`, START_HINT);
    }
    if (starting) return refuse('is already sealed: sealing has started before', "seal it with XLP_AUDIT_SEAL_KEY or XLP_AUDIT_SEAL_SSH_KEY as usual; 'xlp audit verify' checks it");
    if (seal.kind === 'bad') return refuse(`was changed outside xlp: its seal ${seal.problem}`);
    const { file } = seal;
    if (file.method !== this.method) return refuse(`is sealed with ${file.method} but this xlp seals with ${this.method}`, 'seal with the key the journal is sealed with (XLP_AUDIT_SEAL_KEY for hmac-sha256, XLP_AUDIT_SEAL_SSH_KEY for ssh)');
    if (file.seq !== head.seq || file.hash !== head.hash) return refuse(`was changed outside xlp: the seal names record ${file.seq} but the journal ends at record ${head.seq}`);
    if (!(await this.valid(file))) return refuse('was changed outside xlp: the seal does not verify with the configured key');
  }

  /** Seals `seq`/`hash`. When that fails after the new seal took the place of `previous`, `previous` is put back. */
  async write(seq: number, hash: string, previous: SealRead): Promise<void> {
    const seal = this.method === 'hmac-sha256' ? hmacSeal(await this.hmacKey(), seq, hash) : await sshSign(this.config.sshKeyFile as string, sealMessage(seq, hash));
    const file: SealFile = { v: 1, seq, hash, time: new Date().toISOString(), method: this.method, seal };
    const path = sealPath(this.journal);
    try {
      const temp = await writeTemp(path, `${JSON.stringify(file)}\n`);
      await rename(temp, path).catch(async (error: unknown) => {
        await rm(temp, { force: true });
        throw error;
      });
      await syncDirectory(dirname(path)).catch(async (error: unknown) => {
        await restore(path, previous).catch(() => {});
        throw error;
      });
    } catch (error) {
      throw journalIoError('seal', this.journal, error);
    }
  }

  private async valid(seal: SealFile): Promise<boolean> {
    if (seal.method === 'hmac-sha256') return sameHex(seal.seal, hmacSeal(await this.hmacKey(), seal.seq, seal.hash));
    const publicKey = (await readFile(`${this.config.sshKeyFile as string}.pub`, 'utf8')).trim();
    return sshVerify(`${SEAL_NAMESPACE} namespaces="${SEAL_NAMESPACE}" ${publicKey}\n`, seal.seal, sealMessage(seal.seq, seal.hash));
  }

  private async hmacKey(): Promise<Buffer> {
    this.key ??= await readHmacKey(this.config.hmacKeyFile as string);
    return this.key;
  }
}

/** A private temp file beside `path` holding `content`, flushed; removed again when that fails. */
async function writeTemp(path: string, content: string): Promise<string> {
  const temp = `${path}.${process.pid}.tmp`;
  await rm(temp, { force: true });
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await writeAll(handle, content, 0);
    await handle.sync();
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  } finally {
    await handle.close();
  }
  return temp;
}

/** Puts the seal that was there before back (or removes a first seal), atomically. */
async function restore(path: string, previous: SealRead): Promise<void> {
  if (previous.kind === 'absent') await rm(path, { force: true });
  else await rename(await writeTemp(path, previous.raw), path);
  await syncDirectory(dirname(path));
}

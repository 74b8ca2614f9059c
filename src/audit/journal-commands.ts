/**
 * The two explicit, journaled changes of the journal itself. `xlp audit recover-tail` is the way
 * out of an unexplained tail once an operator has looked at it: the bytes go into a private file
 * beside the journal (never deleted), the journal is cut back to its last proven record, and a
 * record says what was moved where. `xlp audit seal --start` writes the first seal over a journal
 * that already has records, which a sealing change refuses to do on its own.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { usageError } from '../errors.js';
import { auditError, journalIoError } from './journal-errors.js';
import { Journal } from './journal-writer.js';
import type { Actor, MovedTail, SealStartRecord, StoredRecord, TailRecoveryRecord } from './record.js';
import { Sealer, type SealConfig } from './seal.js';
import { syncDirectory } from '../util/sync-dir.js';
import { syslogForwarder } from './syslog.js';
import type { TailReport } from './tail.js';
import { writeAll } from './write-all.js';

export interface JournalCommandOptions {
  readonly journalPath: string;
  readonly lockTimeoutMs: number;
  readonly actor: Actor;
  readonly argv: readonly string[];
  readonly seal?: SealConfig;
  /** facility.level for syslog forwarding; undefined = off. */
  readonly syslogPriority?: string;
  readonly note: (message: string) => void;
}

export async function recoverTail(options: JournalCommandOptions): Promise<TailRecoveryRecord & { readonly hash: string }> {
  // There is nothing to recover in a journal that is not there (and no reason to create one).
  await lstat(options.journalPath).catch(() => {
    throw auditError('audit-missing', `there is no audit journal at ${options.journalPath}`, 'check --audit-log / XLP_AUDIT_LOG');
  });
  return within(options, options.seal === undefined ? undefined : Sealer.from(options.journalPath, options.seal), async (journal) =>
    journal.recoverTail(async (tail, bytes) => ({
      type: 'journal',
      action: 'recover-tail',
      ...common(options),
      movedAside: await keepAside(options.journalPath, tail, bytes),
    })),
  ) as Promise<TailRecoveryRecord & { readonly hash: string }>;
}

export async function startSeal(options: JournalCommandOptions): Promise<SealStartRecord & { readonly hash: string }> {
  const sealer = options.seal === undefined ? undefined : Sealer.from(options.journalPath, options.seal);
  if (sealer === undefined) throw usageError('sealing starts with the key it goes on with: set XLP_AUDIT_SEAL_KEY or XLP_AUDIT_SEAL_SSH_KEY', 'see docs/audit.md, Sealing the head');
  return within(options, sealer, (journal) => journal.append({ type: 'journal', action: 'start-seal', ...common(options), method: sealer.method }, { startSeal: true })) as Promise<
    SealStartRecord & { readonly hash: string }
  >;
}

const common = (options: JournalCommandOptions) => ({ time: new Date().toISOString(), host: 'localhost', ...options.actor, argv: options.argv });

async function within(options: JournalCommandOptions, sealer: Sealer | undefined, use: (journal: Journal) => Promise<StoredRecord>): Promise<StoredRecord> {
  const journal = new Journal({
    path: options.journalPath,
    lockTimeoutMs: options.lockTimeoutMs,
    sealer,
    forward: options.syslogPriority === undefined ? undefined : syslogForwarder({ priority: options.syslogPriority, warn: options.note }),
  });
  try {
    return await use(journal);
  } finally {
    await journal.close();
  }
}

/** Copies the tail into a new private file beside the journal, durably; a copy that fails is removed (the bytes are still in the journal). */
async function keepAside(journal: string, tail: TailReport, bytes: Buffer): Promise<MovedTail> {
  const file = `${basename(journal)}.tail-after-${tail.head.seq}.${new Date().toISOString().replace(/[-:.]/g, '')}`;
  const path = join(dirname(journal), file);
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600).catch((error: unknown) => {
    throw journalIoError('keep the tail of', journal, error);
  });
  try {
    await writeAll(handle, bytes, 0);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(path, { force: true });
    throw journalIoError('keep the tail of', journal, error);
  }
  await handle.close();
  await syncDirectory(dirname(journal));
  return { file, offset: tail.head.end, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), reason: tail.message };
}

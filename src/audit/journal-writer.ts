/**
 * Appends records to the journal: one writer at a time (a kernel lock on `<journal>.lock`), each
 * record chained to the last one on disk, flushed (fsync) and sealed before append() returns, so a
 * caller touches a host only once its record is whole. An append is all or nothing: a write that
 * fails or comes up short, or a seal that cannot be written, cuts the journal back to the record
 * before (the previous seal stays), so a full disk never leaves half a record, nor a seal that names
 * a record the journal does not hold.
 */
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isXlpError } from '../errors.js';
import { acquireLock } from '../util/lock-file.js';
import { auditError, journalIoError } from './journal-errors.js';
import { openJournal, preparePrivateDir } from './journal-file.js';
import { scanJournal } from './journal-reader.js';
import { encodeRecord, FORMAT_VERSION, type AuditRecord, type RecordDraft, type StoredRecord } from './record.js';
import { readSeal, type SealRead } from './seal-file.js';
import type { Sealer } from './seal.js';
import { RECOVER_TAIL_HINT, writerTail, type Head, type TailReport } from './tail.js';
import { writeAll } from './write-all.js';

export interface JournalOptions {
  readonly path: string;
  /** How long to wait for another writer's append. */
  readonly lockTimeoutMs: number;
  readonly sealer?: Sealer;
  /** Called with each record once it is durable (e.g. syslog forwarding); must not throw. */
  readonly forward?: (record: StoredRecord) => Promise<void>;
}

export interface AppendOptions {
  /** Write a first seal over a journal that has records: only `xlp audit seal --start`, whose record says so. */
  readonly startSeal?: boolean;
}

/** What a writer finds once it holds the append lock. */
interface Session {
  readonly handle: FileHandle;
  /** The seal as found; absent when this writer does not seal (its tail is judged without it). */
  readonly seal: SealRead;
  /** The tail as found; a torn one is already cut off. */
  readonly tail: TailReport;
}

export class Journal {
  private handle?: FileHandle;

  constructor(private readonly options: JournalOptions) {}

  async append(draft: RecordDraft, options: AppendOptions = {}): Promise<StoredRecord> {
    return this.write(async ({ handle, seal, tail }) => {
      if (tail.condition === 'unexplained') {
        throw auditError('audit-journal', `the audit journal ${this.options.path} ends with an unexplained tail: ${tail.message}; nothing was changed`, RECOVER_TAIL_HINT);
      }
      // A first seal over records vouches for all of them: prove them first.
      if (options.startSeal === true) await this.proveChain();
      return this.commit(handle, tail.head, seal, draft, options.startSeal === true);
    });
  }

  /**
   * `xlp audit recover-tail`: refuses unless the tail is unexplained and every record before it is
   * proven. `moveAside` keeps the tail's bytes (they are never deleted) and returns the record that
   * says so, which is appended (and sealed) once the journal is cut back to its head. When that
   * record cannot be written, the tail goes back: the journal stays as the operator found it.
   */
  async recoverTail(moveAside: (tail: TailReport, bytes: Buffer) => Promise<RecordDraft>): Promise<StoredRecord> {
    const { path } = this.options;
    return this.write(async ({ handle, seal, tail }) => {
      if (tail.condition !== 'unexplained') {
        const found = tail.condition === 'torn' ? `its tail was the unfinished append of ${tail.writer === undefined ? 'a writer' : `pid ${tail.writer.pid}`}, which died: cut off, as every change does` : tail.message;
        throw auditError('audit-tail', `the audit journal ${path} has no unexplained tail to recover (${found}); nothing was moved`, "'xlp audit verify' shows the journal's condition");
      }
      if (this.options.sealer === undefined && (await readSeal(path)).kind !== 'absent') {
        throw auditError('audit-seal', `the audit journal ${path} is sealed, and the record of this recovery must be sealed too; nothing was changed`, 'set XLP_AUDIT_SEAL_KEY or XLP_AUDIT_SEAL_SSH_KEY as for every change');
      }
      await this.proveChain();
      // The seal must vouch for the record the journal is cut back to before anything is moved.
      await this.options.sealer?.check(tail.head, seal);
      const bytes = Buffer.alloc(tail.size - tail.head.end);
      await handle.read(bytes, 0, bytes.length, tail.head.end);
      const draft = await moveAside(tail, bytes);
      await cutBack(handle, tail.head.end).catch((error: unknown) => {
        throw journalIoError('cut back', path, error);
      });
      try {
        return await this.commit(handle, tail.head, seal, draft, false);
      } catch (error) {
        await writeAll(handle, bytes)
          .then(() => handle.sync())
          .catch(() => {});
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }

  /** Runs `work` holding the append lock, with a dead writer's torn tail already cut off; forwards what it appended. */
  private async write(work: (session: Session) => Promise<StoredRecord>): Promise<StoredRecord> {
    const { path, sealer } = this.options;
    await preparePrivateDir(dirname(path));
    // Opened before the lock is taken, so an unusable journal is reported in its own terms.
    this.handle ??= await openJournal(path);
    const handle = this.handle;
    const lock = await acquireLock(`${path}.lock`, { timeoutMs: this.options.lockTimeoutMs, command: `xlp (pid ${process.pid}) appending`, what: 'the audit journal lock' }).catch(
      (error: unknown) => {
        // The lock file lives beside the journal: a full or read-only disk shows up here first.
        throw isXlpError(error) ? error : journalIoError('lock', path, error);
      },
    );
    let stored: StoredRecord;
    try {
      const seal: SealRead = sealer === undefined ? { kind: 'absent' } : await readSeal(path);
      const tail = await writerTail(handle, path, seal.kind === 'seal' ? seal.file : undefined, lock.takenOverFrom);
      if (tail.condition === 'torn') {
        await cutBack(handle, tail.head.end).catch((error: unknown) => {
          throw journalIoError('cut the torn tail off', path, error);
        });
      }
      stored = await work({ handle, seal, tail });
    } finally {
      await lock.release();
    }
    await this.options.forward?.(stored);
    return stored;
  }

  /** Appends one record after `head` and seals it, or leaves the journal (and its seal) as they were. */
  private async commit(handle: FileHandle, head: Head, seal: SealRead, draft: RecordDraft, startSeal: boolean): Promise<StoredRecord> {
    const { path, sealer } = this.options;
    await sealer?.check(head, seal, startSeal);
    const record = { v: FORMAT_VERSION, seq: head.seq + 1, prev: head.hash, ...draft } as AuditRecord;
    const { line, hash } = encodeRecord(record);
    try {
      await writeAll(handle, line);
      await handle.sync();
      await sealer?.write(record.seq, hash, seal);
    } catch (error) {
      const failure = isXlpError(error) ? error : journalIoError('write to', path, error);
      await cutBack(handle, head.end).catch((cutError: unknown) => {
        const why = (cutError as NodeJS.ErrnoException).code ?? String(cutError);
        throw auditError('audit-journal', `${failure.message.replace(/; nothing was changed$/, '')}, and the journal could not be cut back (${why}): it ends with an unexplained tail; nothing was changed`, RECOVER_TAIL_HINT);
      });
      throw failure;
    }
    return { ...record, hash } as StoredRecord;
  }

  private async proveChain(): Promise<void> {
    const scan = await scanJournal(this.options.path);
    if (scan.problem !== undefined) {
      throw auditError('audit-broken', `the audit journal ${this.options.path} is broken at line ${scan.problem.line}: ${scan.problem.message}; nothing was changed`, "run 'xlp audit verify'");
    }
  }
}

/** Cuts the journal back to `end`, durably. */
async function cutBack(handle: FileHandle, end: number): Promise<void> {
  await handle.truncate(end);
  await handle.sync();
}

/**
 * Appends records to the journal: one writer at a time (a kernel lock on `<journal>.lock`), each
 * record chained to the last one on disk and flushed (fsync) before append() returns. A write that
 * fails is cut back off, so a full disk never leaves half a record behind.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isXlpError } from '../errors.js';
import { acquireLock } from '../util/lock-file.js';
import { ensurePrivateDir } from '../util/private-dir.js';
import { auditError, journalIoError } from './journal-errors.js';
import { encodeRecord, FORMAT_VERSION, GENESIS, hasHashSuffix, HASH_SUFFIX_LENGTH, type AuditRecord, type RecordDraft, type StoredRecord } from './record.js';
import type { Sealer } from './seal.js';
import { syncDirectory } from './sync-dir.js';

export interface JournalOptions {
  readonly path: string;
  /** How long to wait for another writer's append. */
  readonly lockTimeoutMs: number;
  readonly sealer?: Sealer;
  /** Called with each record once it is durable (e.g. syslog forwarding); must not throw. */
  readonly forward?: (record: StoredRecord) => Promise<void>;
}

interface Tail {
  readonly seq: number;
  readonly hash: string;
  /** Where the last complete line ends; bytes after it are a torn write. */
  readonly end: number;
  readonly size: number;
}

export class Journal {
  private handle?: FileHandle;

  constructor(private readonly options: JournalOptions) {}

  async append(draft: RecordDraft): Promise<StoredRecord> {
    const { path } = this.options;
    await preparePrivateDir(dirname(path));
    // Opened before the lock is taken, so an unusable journal is reported in its own terms.
    const handle = await this.open();
    const lock = await acquireLock(`${path}.lock`, { timeoutMs: this.options.lockTimeoutMs, command: `xlp (pid ${process.pid}) appending`, what: 'the audit journal lock' }).catch(
      (error: unknown) => {
        // The lock file lives beside the journal: a full or read-only disk shows up here first.
        throw isXlpError(error) ? error : journalIoError('lock', path, error);
      },
    );
    let stored: StoredRecord;
    try {
      const tail = await readTail(handle, path);
      if (tail.end < tail.size) {
        // Only a writer that died mid-append leaves a torn line; it never got to touch the hypervisor.
        if (lock.takenOverFrom === undefined) {
          throw auditError('audit-journal', `the audit journal ${path} ends with an incomplete record; nothing was changed`, "run 'xlp audit verify'; the file was changed outside xlp");
        }
        await handle.truncate(tail.end);
      }
      await this.options.sealer?.check(tail);
      const record = { v: FORMAT_VERSION, seq: tail.seq + 1, prev: tail.hash, ...draft } as AuditRecord;
      const { line, hash } = encodeRecord(record);
      try {
        await handle.write(line);
        await handle.sync();
      } catch (error) {
        await handle.truncate(tail.end).catch(() => {});
        throw journalIoError('write to', path, error);
      }
      await this.options.sealer?.write(record.seq, hash);
      stored = { ...record, hash } as StoredRecord;
    } finally {
      await lock.release();
    }
    await this.options.forward?.(stored);
    return stored;
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }

  private async open(): Promise<FileHandle> {
    this.handle ??= await openJournal(this.options.path);
    return this.handle;
  }
}

/**
 * The journal's directory must be private: created 0700 here, or already ours and closed to others.
 * An existing looser directory (say --audit-log /var/log/x.jsonl) is refused, never tightened behind
 * the operator's back. Its problems are journal problems (exit AUDIT).
 */
export async function preparePrivateDir(dir: string): Promise<void> {
  const info = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw journalIoError('use the directory of', dir, error);
  });
  const uid = process.getuid?.();
  const problem =
    info === undefined ? undefined : !info.isDirectory() ? 'it is a symlink or not a directory' : uid !== undefined && info.uid !== uid ? `it is owned by uid ${info.uid}` : (info.mode & 0o077) !== 0 ? `it is open to others (mode ${(info.mode & 0o777).toString(8)})` : undefined;
  if (problem !== undefined) {
    throw auditError('audit-journal', `refusing the audit journal directory ${dir}: ${problem}; nothing was changed`, 'give the journal a directory of its own: xlp creates it 0700');
  }
  if (info !== undefined) return;
  await ensurePrivateDir(dir).catch((error: unknown) => {
    throw auditError('audit-journal', `cannot create the audit journal directory: ${isXlpError(error) ? error.message : String(error)}; nothing was changed`, isXlpError(error) ? error.hint : undefined);
  });
}

/** Opens (creating 0600, exclusively, in a private directory) without following a symlink. */
async function openJournal(path: string): Promise<FileHandle> {
  const dir = dirname(path);
  // libuv opens every file close-on-exec, so the tools xlp runs never inherit the journal.
  const common = constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW;
  try {
    const created = await open(path, common | constants.O_CREAT | constants.O_EXCL, 0o600);
    await created.sync();
    await syncDirectory(dir);
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw journalIoError('create', path, error);
  }
  const handle = await open(path, common).catch((error: unknown) => {
    throw journalIoError('open', path, error);
  });
  const info = await handle.stat();
  const uid = process.getuid?.();
  const problem = !info.isFile() ? 'it is not a regular file' : uid !== undefined && info.uid !== uid ? `it is owned by uid ${info.uid}` : (info.mode & 0o022) !== 0 ? 'others can write to it' : undefined;
  if (problem !== undefined) {
    await handle.close();
    throw auditError('audit-journal', `refusing the audit journal ${path}: ${problem}; nothing was changed`, 'only the account running xlp may own and write its journal');
  }
  if ((info.mode & 0o077) !== 0) await handle.chmod(0o600);
  return handle;
}

/** Finds the last complete record by reading backwards, and proves it was not altered. */
async function readTail(handle: FileHandle, path: string): Promise<Tail> {
  const { size } = await handle.stat();
  if (size === 0) return { seq: 0, hash: GENESIS, end: 0, size };
  let window = Math.min(size, 65536);
  for (;;) {
    const buffer = Buffer.alloc(window);
    await handle.read(buffer, 0, window, size - window);
    const lastNewline = buffer.lastIndexOf(0x0a);
    const lineStart = lastNewline < 0 ? -1 : buffer.lastIndexOf(0x0a, lastNewline - 1);
    if (lastNewline >= 0 && (lineStart >= 0 || window === size)) {
      const line = buffer.toString('utf8', lineStart + 1, lastNewline);
      return { ...provenTail(line, path), end: size - window + lastNewline + 1, size };
    }
    if (lastNewline < 0 && window === size) return { seq: 0, hash: GENESIS, end: 0, size };
    window = Math.min(size, window * 4);
  }
}

function provenTail(line: string, path: string): { seq: number; hash: string } {
  const damaged = (): never => {
    throw auditError('audit-journal', `the last record of the audit journal ${path} is damaged; nothing was changed`, "run 'xlp audit verify' to see what is wrong");
  };
  if (!hasHashSuffix(line)) return damaged();
  const hash = line.slice(-66, -2);
  if (createHash('sha256').update(`${line.slice(0, -HASH_SUFFIX_LENGTH)}}`).digest('hex') !== hash) return damaged();
  let seq: unknown;
  try {
    seq = (JSON.parse(line) as { seq?: unknown }).seq;
  } catch {
    return damaged();
  }
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? { seq, hash } : damaged();
}

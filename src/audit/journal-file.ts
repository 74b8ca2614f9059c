/**
 * Opening the journal safely: a private directory, a regular file of ours that nobody else can
 * write, never followed through a symlink, created exclusively and made durable with its entry.
 */
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isXlpError } from '../errors.js';
import { ensurePrivateDir } from '../util/private-dir.js';
import { auditError, journalIoError } from './journal-errors.js';
import { syncDirectory } from '../util/sync-dir.js';

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
export async function openJournal(path: string): Promise<FileHandle> {
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

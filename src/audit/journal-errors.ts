import { ExitCode, XlpError } from '../errors.js';
import { SHORT_WRITE } from './write-all.js';

/** A journal, seal or lock problem: nothing is changed, exit code AUDIT. */
export const auditError = (code: string, message: string, hint?: string): XlpError => new XlpError(code, ExitCode.AUDIT, message, { hint });

/** Explains an fs error on the journal in the terms an operator acts on. */
export function journalIoError(action: string, path: string, error: unknown): XlpError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const why: Record<string, [string, string]> = {
    ENOSPC: ['the disk is full', 'free space on that filesystem, then retry'],
    EDQUOT: ['the disk quota is exhausted', 'free space or raise the quota, then retry'],
    EROFS: ['the filesystem is read-only', 'remount it read-write or point --audit-log elsewhere'],
    EACCES: ['permission denied', 'run as the journal owner (root on a dom0) or point --audit-log elsewhere'],
    EPERM: ['operation not permitted', 'check the file attributes (chattr) and the owner'],
    ELOOP: ['it is a symlink, which xlp refuses to follow', 'replace the symlink by the real file path'],
    EIO: ['an I/O error occurred', 'check the disk (dmesg)'],
    EISDIR: ['it is a directory', 'point --audit-log at a file'],
  };
  // A short write has no errno: its message says how much was written.
  if (code === SHORT_WRITE) why[code] = [(error as Error).message, 'free space on that filesystem, then retry'];
  const [reason, hint] = why[code] ?? [code || (error instanceof Error ? error.message : String(error)), 'check the path and its permissions'];
  return auditError('audit-journal', `cannot ${action} the audit journal ${path}: ${reason}; nothing was changed`, hint);
}

/**
 * The host lock: one file per changed host under the state directory, held (kernel flock) for a
 * whole change. Waiting is announced with the holder's pid and command; a lock left by a process
 * that died is taken over at once, and the caller is told whose it was.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ExitCode, XlpError, isXlpError } from '../errors.js';
import { acquireLock, lockHolder, type HeldLock, type LockOwner } from '../util/lock-file.js';

export function hostLockPath(lockDir: string, host: string): string {
  const slug = host.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60);
  const digest = createHash('sha256').update(host).digest('hex').slice(0, 12);
  return join(lockDir, `host-${slug}-${digest}.lock`);
}

export interface HostLockOptions {
  readonly lockDir: string;
  readonly host: string;
  readonly command: string;
  readonly timeoutMs: number;
  readonly note: (message: string) => void;
  /** Stops a wait for the lock. */
  readonly signal?: AbortSignal;
}

export async function lockHost(options: HostLockOptions): Promise<HeldLock> {
  const path = hostLockPath(options.lockDir, options.host);
  const what = `the host lock of ${options.host}`;
  try {
    return await acquireLock(path, { timeoutMs: 0, command: options.command, what });
  } catch (error) {
    if (!isXlpError(error) || error.code !== 'lock-timeout' || options.timeoutMs <= 0) throw asLockError(error, path);
    options.note(`${error.message.replace(/; gave up after .*$/, '')}: waiting up to ${options.timeoutMs / 1000} s`);
  }
  return acquireLock(path, { timeoutMs: options.timeoutMs, command: options.command, what, ...(options.signal === undefined ? {} : { signal: options.signal }) }).catch((error: unknown) => {
    throw asLockError(error, path);
  });
}

/** Every host-lock failure stops the change before it starts: exit code AUDIT, whatever the cause. */
function asLockError(error: unknown, path: string): XlpError {
  if (isXlpError(error) && (error.exitCode === ExitCode.AUDIT || error.code === 'interrupted')) return error;
  const why = isXlpError(error) ? error.message : ((error as NodeJS.ErrnoException).code ?? String(error));
  return new XlpError('lock-unusable', ExitCode.AUDIT, `cannot take the host lock ${path}: ${why}; nothing was changed`, {
    hint: isXlpError(error) ? error.hint : 'check the state directory (XLP_STATE_DIR) and its filesystem',
  });
}

/** The run holding the host lock of `host` right now, if one does: `xlp status` and `xlp list` show it as in progress. */
export const hostLockHolder = (lockDir: string, host: string): Promise<LockOwner | undefined> => lockHolder(hostLockPath(lockDir, host));

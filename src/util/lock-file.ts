/**
 * An exclusive lock on a file, held by the kernel (flock(2) on an open file description), so a
 * process that dies — even by kill -9 — releases it at once and no stale lock can ever block a host.
 * Node has no flock binding, so util-linux's `flock` takes the lock on our inherited descriptor
 * and exits; the lock stays with the descriptor this process keeps open. The file also names its
 * holder so a waiting process can say who it waits for.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ExitCode, XlpError } from '../errors.js';
import type { RunHolder } from '../model/results.js';
import { RUN_ID, isRunId } from './run-id.js';
import { ensurePrivateDir } from './private-dir.js';

/** Who holds a lock (recorded in the lock file). */
export type LockOwner = RunHolder;

export interface HeldLock {
  readonly path: string;
  /** The holder recorded in the file when a process died holding the lock (it was taken over). */
  readonly takenOverFrom?: LockOwner;
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for another holder; 0 fails at once. */
  readonly timeoutMs: number;
  /** Stops the wait (a stop request): the lock is not taken, and an 'interrupted' XlpError says so. */
  readonly signal?: AbortSignal;
  /** Describes this holder to others, e.g. "xlp apply xsa-466". */
  readonly command: string;
  /** What the lock protects, for messages: "the host lock", "the simulator state". */
  readonly what: string;
}

export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  await ensurePrivateDir(dirname(path));
  const handle = await openLockFile(path);
  try {
    const acquired = await flockDescriptor(handle.fd, options.timeoutMs, 'exclusive', options.signal);
    const recorded = await readOwner(handle);
    if (!acquired) {
      const holder = recorded === undefined ? 'another process' : describe(recorded);
      throw new XlpError('lock-timeout', ExitCode.AUDIT, `${options.what} ${path} is held by ${holder}; gave up after ${options.timeoutMs / 1000} s`, {
        hint: 'wait for that operation to finish, or raise --lock-timeout',
      });
    }
    const self: LockOwner = { pid: process.pid, command: options.command, host: hostname(), since: new Date().toISOString(), run: RUN_ID };
    await writeOwner(handle, self);
    return {
      path,
      // A recorded owner in a lock we could take means its holder died without releasing it.
      ...(recorded === undefined ? {} : { takenOverFrom: recorded }),
      release: async () => {
        await handle.truncate(0).catch(() => {});
        await handle.close().catch(() => {});
      },
    };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

/**
 * Whether a live process holds the lock at `path`, and whom its file names, without taking it over:
 * a shared lock tried once (and dropped at once) tells a live holder from a dead one, and nothing is
 * written, so the record of a holder that died stays for the writer that will take over.
 */
export async function probeLock(path: string): Promise<{ readonly held: boolean; readonly owner?: LockOwner }> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new XlpError('lock-unusable', ExitCode.AUDIT, `cannot open lock file ${path}: ${error.code ?? error.message}`);
  });
  if (handle === undefined) return { held: false };
  try {
    const owner = await readOwner(handle);
    // A holder names itself right after taking the lock and unnames itself before dropping it: an
    // empty file is a lock nobody holds (or one taken this instant, before anything was done under it).
    if (owner === undefined) return { held: false };
    const free = await flockDescriptor(handle.fd, 0, 'shared');
    return { held: !free, owner };
  } finally {
    await handle.close();
  }
}

export const describe = (owner: LockOwner): string => `pid ${owner.pid} (${owner.command}) on ${owner.host} since ${owner.since}`;

async function openLockFile(path: string): Promise<FileHandle> {
  const flags = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW;
  const handle = await open(path, flags, 0o600).catch((error: NodeJS.ErrnoException) => {
    throw new XlpError('lock-unusable', ExitCode.AUDIT, `cannot open lock file ${path}: ${error.code ?? error.message}`, {
      hint: error.code === 'ELOOP' ? 'the lock path is a symlink: remove it' : 'check the directory permissions',
    });
  });
  const info = await handle.stat();
  if (!info.isFile() || (process.getuid !== undefined && info.uid !== process.getuid())) {
    await handle.close();
    throw new XlpError('lock-unusable', ExitCode.AUDIT, `refusing lock file ${path}: not a regular file owned by this user`, {
      hint: 'remove it so xlp can create its own',
    });
  }
  return handle;
}

/**
 * util-linux's flock by absolute path: a root tool must not run whatever a PATH entry offers under
 * that name. Its Debian and Fedora homes first, then the absolute entries of PATH.
 */
function flockProgram(): string {
  const dirs = ['/usr/bin', '/bin', ...(process.env.PATH ?? '').split(':').filter((dir) => dir.startsWith('/'))];
  flockPath ??= dirs.map((dir) => `${dir}/flock`).find((path) => isExecutable(path)) ?? 'flock';
  return flockPath;
}
let flockPath: string | undefined;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function flockDescriptor(fd: number, timeoutMs: number, mode: 'exclusive' | 'shared' = 'exclusive', signal?: AbortSignal): Promise<boolean> {
  const wait = timeoutMs <= 0 ? ['--nonblock'] : ['--wait', String(timeoutMs / 1000)];
  return new Promise((resolve, reject) => {
    const child = spawn(flockProgram(), [`--${mode}`, ...wait, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], ...(signal === undefined ? {} : { signal }) });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.name === 'AbortError') {
        reject(new XlpError('interrupted', ExitCode.INTERRUPTED, 'stopped while waiting for the lock; nothing was changed', { hint: "run 'xlp status' to see who holds it" }));
        return;
      }
      reject(
        new XlpError('lock-unusable', ExitCode.AUDIT, `cannot run flock to take a lock: ${error.code ?? error.message}`, {
          hint: "install util-linux (it provides 'flock')",
        }),
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve(true);
      else if (code === 1 && stderr === '') resolve(false);
      else reject(new XlpError('lock-unusable', ExitCode.AUDIT, `flock failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}

async function readOwner(handle: FileHandle): Promise<LockOwner | undefined> {
  const { size } = await handle.stat();
  if (size === 0 || size > 4096) return undefined;
  const buffer = Buffer.alloc(size);
  await handle.read(buffer, 0, size, 0);
  try {
    const parsed = JSON.parse(buffer.toString('utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.command === 'string') {
      return { pid: parsed.pid, command: parsed.command, host: String(parsed.host), since: String(parsed.since), ...(isRunId(parsed.run) ? { run: parsed.run } : {}) };
    }
  } catch {
    // A torn or foreign record names nobody; the lock itself is still sound.
  }
  return undefined;
}

async function writeOwner(handle: FileHandle, owner: LockOwner): Promise<void> {
  await handle.truncate(0);
  await handle.write(JSON.stringify(owner), 0, 'utf8');
}

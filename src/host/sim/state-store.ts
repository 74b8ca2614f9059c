/**
 * Where the simulator's state lives and how processes share it: a JSON file replaced atomically
 * (temp file 0600 in the same 0700 directory, fsync, rename), with every read-modify-write
 * serialised by a kernel flock on a sibling lock file. Readers that change nothing take no lock.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ExitCode, XlpError } from '../../errors.js';
import { simRoot } from '../../paths.js';
import { acquireLock } from '../../util/lock-file.js';
import { ensurePrivateDir } from '../../util/private-dir.js';
import { freshStateFromEnv, validateState, type SimState } from './state.js';

export type SimEnv = Readonly<Record<string, string | undefined>>;

const LOCK_TIMEOUT_MS = 10_000;

/** The state file: an explicit path, else XLP_SIM_STATE, else `state.json` in the sim root (src/paths.ts). */
export function resolveStatePath(explicit?: string, env: SimEnv = process.env): string {
  const chosen = explicit ?? (env.XLP_SIM_STATE || undefined) ?? join(simRoot(undefined, env), 'state.json');
  return resolve(chosen);
}

/**
 * The state's directory must be private: created 0700 here, or already ours and closed to others.
 * A shared directory (/tmp, a home directory) is refused rather than tightened behind the user's back.
 */
async function ensureStateDir(path: string): Promise<void> {
  const dir = dirname(path);
  const info = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw stateError(`cannot inspect ${dir}: ${error.code ?? error.message}`);
  });
  if (info === undefined) {
    await ensurePrivateDir(dir);
    return;
  }
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
    throw new XlpError('sim-state', ExitCode.FAILED, `refusing to keep simulator state in ${dir}: it is not a private (0700) directory of this user`, {
      hint: 'point XLP_SIM_STATE at a file inside a directory of its own; xlp creates that directory 0700',
    });
  }
}

const stateError = (message: string): XlpError =>
  new XlpError('sim-state', ExitCode.FAILED, message, { hint: 'check XLP_SIM_STATE and the permissions of its directory' });

/** Reads the state without creating it; undefined when there is none yet. */
export async function peekState(path: string): Promise<SimState | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw stateError(code === 'ELOOP' ? `simulator state ${path} is a symlink` : `cannot open simulator state ${path}: ${code}`);
  }
  try {
    const info = await handle.stat();
    const uid = process.getuid?.();
    if (!info.isFile() || (uid !== undefined && info.uid !== uid)) {
      throw stateError(`simulator state ${path} is not a regular file owned by this user`);
    }
    const text = await handle.readFile('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return validateState(undefined, path);
    }
    return validateState(parsed, path);
  } finally {
    await handle.close();
  }
}

async function writeStateAtomically(path: string, state: SimState): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(state, null, 1)}\n`);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  // Make the rename itself durable, so a crash cannot bring back an older state.
  const dirHandle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  await dirHandle.sync().catch(() => {});
  await dirHandle.close();
}

/**
 * Runs `change` on the current state (a fresh host from `env` when there is none) under the
 * state lock, and writes the result back if it changed. Returns what `change` returns.
 */
export async function updateState<T>(path: string, env: SimEnv, change: (state: SimState) => T): Promise<T> {
  await ensureStateDir(path);
  const lock = await acquireLock(`${path}.lock`, { timeoutMs: LOCK_TIMEOUT_MS, command: 'xlp simulator', what: 'the simulator state' });
  try {
    const existing = await peekState(path);
    const state = existing ?? freshStateFromEnv(env);
    const before = existing === undefined ? undefined : JSON.stringify(state);
    const result = change(state);
    if (before === undefined || JSON.stringify(state) !== before) await writeStateAtomically(path, state);
    return result;
  } finally {
    await lock.release();
  }
}

/** Replaces the whole state (reset), under the lock. */
export async function replaceState(path: string, state: SimState): Promise<void> {
  await updateState(path, {}, (current) => {
    for (const key of Object.keys(current)) delete (current as unknown as Record<string, unknown>)[key];
    Object.assign(current, state);
  });
}

/**
 * Private files xlp keeps (its record of a host, the payloads and desired state kept on a host):
 * written whole or not at all (a temporary file, fsync, rename, fsync of the directory), 0600 in a
 * 0700 directory of ours; read only when they are regular files of ours that nobody else can write,
 * never through a symlink, and never beyond a size limit.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir } from './private-dir.js';
import { syncDirectory } from './sync-dir.js';

/** Replaces `dir/name` with `bytes` atomically; creates `dir` (0700) if needed. */
export async function writePrivateFile(dir: string, name: string, bytes: Uint8Array | string): Promise<string> {
  await ensurePrivateDir(dir);
  const path = join(dir, name);
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await syncDirectory(dir);
  return path;
}

/** Why a private file cannot be trusted: it is not what xlp wrote. */
export class UnusableFile extends Error {}

/** The file's bytes, or undefined when it does not exist; throws UnusableFile when it is not a private regular file of ours or is too large. */
export async function readPrivateFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new UnusableFile(error.code === 'ELOOP' ? 'it is a symlink' : (error.code ?? error.message));
  });
  if (handle === undefined) return undefined;
  try {
    const info = await handle.stat();
    const uid = process.getuid?.();
    if (!info.isFile() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) throw new UnusableFile('it is not a private regular file owned by this user');
    if (info.size > maxBytes) throw new UnusableFile(`it is larger than ${maxBytes} bytes`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

import { lstat, mkdir, chmod } from 'node:fs/promises';
import { ExitCode, XlpError } from '../errors.js';

/**
 * Creates `path` (and parents) if needed and proves it is a real directory owned by us and closed to
 * others, so nobody can swap or read what xlp puts there. A directory of ours with loose permissions
 * is tightened; anything else is refused rather than trusted.
 */
export async function ensurePrivateDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    throw new XlpError('private-dir', ExitCode.FAILED, `cannot create directory ${path}: ${error.code ?? error.message}`, {
      hint: 'check that the parent directory exists and is writable by this user',
    });
  });
  const info = await lstat(path);
  if (!info.isDirectory()) {
    throw new XlpError('private-dir', ExitCode.FAILED, `refusing to use ${path}: it is a symlink or not a directory`, {
      hint: 'remove it so xlp can create a private directory there',
    });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new XlpError('private-dir', ExitCode.FAILED, `refusing to use ${path}: it is owned by uid ${info.uid}, not ${uid}`, {
      hint: 'remove it, or point xlp elsewhere with XLP_DATA_DIR / XLP_STATE_DIR / XLP_RUNTIME_DIR',
    });
  }
  if ((info.mode & 0o077) !== 0) await chmod(path, 0o700);
  return path;
}

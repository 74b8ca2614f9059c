import { chmod, lstat, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ExitCode, XlpError } from '../errors.js';

const cannotCreate = (path: string, why: string): XlpError =>
  new XlpError('private-dir', ExitCode.FAILED, `cannot create directory ${path}: ${why}`, {
    hint: 'check that the parent directory exists, is a real directory and is writable by this user',
  });

/**
 * `mkdir -p` with mode 0700 that always ends. Node's recursive mkdir retries forever where mkdir(2)
 * answers ENOENT although the parent exists (under /proc, say); here each missing ancestor is made
 * once, top-down, and any refusal is an error naming it.
 */
async function makeDirs(path: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    const exists = await lstat(dir).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw cannotCreate(path, `${dir}: ${error.code ?? error.message}`);
      },
    );
    if (exists) break;
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) {
    await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return;
      const why = error.code === 'ENOENT' ? `${dirname(dir)} does not take new directories` : (error.code ?? error.message);
      throw cannotCreate(path, why);
    });
  }
}

/**
 * Creates `path` (and parents) if needed and proves it is a real directory owned by us and closed to
 * others, so nobody can swap or read what xlp puts there. A directory of ours with loose permissions
 * is tightened; anything else is refused rather than trusted.
 */
export async function ensurePrivateDir(path: string): Promise<string> {
  await makeDirs(path);
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

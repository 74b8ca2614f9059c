import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { fileNameProblem } from '../model/payload-name.js';
import { ensurePrivateDir } from '../util/private-dir.js';
import type { StagedFile } from './runner.js';

/** A basename safe to create inside our own directory: no separators, no dot-entries, nothing unsafe to echo. */
export function assertSafeBasename(basename: string): void {
  if (basename.includes('/') || fileNameProblem(basename) !== undefined) {
    throw usageError(`invalid file name '${basename}' for a staged payload`, 'use a plain file name');
  }
}

/**
 * Copies payload bytes into a fresh 0700 directory as a 0600 file created exclusively, so the file
 * the tool uploads is exactly the bytes xlp verified and nobody else can replace it in between.
 */
export async function stageLocally(bytes: Uint8Array, basename: string, baseDir: string): Promise<StagedFile> {
  assertSafeBasename(basename);
  const parent = await ensurePrivateDir(baseDir);
  const dir = await mkdtemp(join(parent, 'stage-'));
  const path = join(dir, basename);
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
  } finally {
    await handle.close();
  }
  return {
    path,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

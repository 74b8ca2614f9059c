import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { fileNameProblem } from '../model/payload-name.js';
import { ensurePrivateDir } from '../util/private-dir.js';
import { RUN_ID } from '../util/run-id.js';
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
  const dir = await mkdtemp(join(parent, `stage-${RUN_ID}-`));
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

/**
 * Removes what the run `run` left in `baseDir` under `kind` (its staged copies, its ssh control
 * directory), as the run that takes over its lock after a kill does. `prepare` runs on each directory
 * first (to stop an ssh master still listening there). Nothing is reused: fresh names are made.
 */
export async function removeRunDirs(baseDir: string, kind: 'stage' | 'ssh', run: string, prepare?: (dir: string) => Promise<void>): Promise<string[]> {
  const prefix = `${kind}-${run}-`;
  const entries = await readdir(baseDir).catch(() => [] as string[]);
  const left = entries.filter((entry) => entry.startsWith(prefix)).map((entry) => join(baseDir, entry));
  for (const dir of left) {
    await prepare?.(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return left;
}

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** fsync a directory so a new or renamed entry in it survives a crash. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

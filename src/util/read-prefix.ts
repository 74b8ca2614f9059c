import type { FileHandle } from 'node:fs/promises';

/** Reads up to `size` bytes from the start of an open file; fewer when it ends sooner. */
export async function readPrefix(handle: FileHandle, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return bytes.subarray(0, filled);
}

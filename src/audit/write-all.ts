/**
 * The one way xlp writes audit bytes: journal records, seals and their temp files, a tail moved
 * aside. write(2) may write fewer bytes than asked without an error (a file system that fills up in
 * the middle of a write does exactly that) and Node hands the count back without complaint, so a
 * caller that does not look would take half a record for a record. Here a short write is a failure
 * (code ESHORTWRITE); the caller cuts the file back to what it was.
 */
import type { FileHandle } from 'node:fs/promises';

export const SHORT_WRITE = 'ESHORTWRITE';

/** Writes all of `data` with one write(2) at `position` (null: the file offset; the end under O_APPEND), or throws. */
export async function writeAll(handle: Pick<FileHandle, 'write'>, data: string | Uint8Array, position: number | null = null): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const { bytesWritten } = await handle.write(bytes, 0, bytes.length, position);
  if (bytesWritten !== bytes.length) {
    throw Object.assign(new Error(`only ${bytesWritten} of ${bytes.length} bytes were written (a full file system writes short without an error)`), { code: SHORT_WRITE });
  }
}

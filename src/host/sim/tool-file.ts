/**
 * How xen-livepatch's upload_func gets at the payload file: open(O_RDONLY), stat(), then mmap() of
 * st_size bytes. Each step's failure is reported with its own message, so the fake must fail at the
 * same step with the same errno as the real tool would.
 */
import { constants as fsConstants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { readPrefix } from '../../util/read-prefix.js';
import { Errno } from '../../model/errno.js';
import { MAX_PAYLOAD_SIZE } from './hypervisor.js';

export type FileStep = 'open' | 'stat' | 'map';

export type ToolFileResult =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly size: number }
  | { readonly ok: false; readonly step: FileStep; readonly errno: number };

const errnoOf = (error: unknown): number => {
  const code = (error as NodeJS.ErrnoException).code;
  const errno = code === undefined ? undefined : (osConstants.errno as Record<string, number>)[code];
  return errno ?? Errno.EINVAL;
};

export async function readFileLikeTool(path: string): Promise<ToolFileResult> {
  let handle;
  try {
    // O_NONBLOCK: where the real tool would block forever opening a FIFO, the fake goes on to the
    // stat and map steps instead of hanging (see docs/simulator.md).
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (error) {
    return { ok: false, step: 'open', errno: errnoOf(error) };
  }
  try {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      return { ok: false, step: 'stat', errno: errnoOf(error) };
    }
    const size = info.size;
    // do_mmap refuses a zero length with EINVAL before it looks at the file.
    if (size === 0) return { ok: false, step: 'map', errno: Errno.EINVAL };
    // The kernel's mmap refuses files whose driver has no mmap operation (directories) with ENODEV.
    if (!info.isFile()) return { ok: false, step: 'map', errno: Errno.ENODEV };
    // Xen refuses anything over 2 MiB by its size alone; the fake never reads more than that.
    if (size > MAX_PAYLOAD_SIZE) return { ok: true, bytes: new Uint8Array(), size };
    return { ok: true, bytes: await readPrefix(handle, size), size };
  } finally {
    await handle.close();
  }
}

/**
 * Reading the manifest file safely. The operator names it, so a symbolic link is followed (a
 * manifest often lives in a checkout linked from /etc); payload paths inside it are relative to
 * the directory of the file it resolves to, so a link elsewhere does not change which payloads it
 * names. The file is stat()ed first so that a FIFO or device is refused before it is opened, opened
 * with O_NONBLOCK and O_NOCTTY, fstat()ed and compared with the resolved path (a file swapped in
 * meanwhile is refused), and read up to MAX_MANIFEST_SIZE; its text must be UTF-8. No shell, no
 * child process.
 */
import { constants, type Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

import { XlpError, usageError } from '../errors.js';
import { printable } from '../model/text.js';
import { readPrefix } from '../util/read-prefix.js';
import { ManifestError } from './problems.js';

/** Larger than any manifest people write (a few KiB per hypervisor build), small enough to hold. */
export const MAX_MANIFEST_SIZE = 1024 * 1024;

export interface ManifestFile {
  readonly text: string;
  /** The manifest's real directory: relative payload paths start here. */
  readonly realDir: string;
}

export async function readManifestFile(path: string): Promise<ManifestFile> {
  const shown = printable(path, 1024);
  if (path === '') throw usageError('no manifest file given (the path is empty)', 'give the path of a manifest (.yaml or .json)');
  const real = await realpath(path).catch((error: unknown) => {
    throw unusable(shown, error);
  });
  const first = await stat(real).catch((error: unknown) => {
    throw unusable(shown, error);
  });
  checkRegular(first, shown);
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw unusable(shown, error);
  }
  let bytes: Uint8Array;
  try {
    const st = await handle.stat();
    checkRegular(st, shown);
    if (st.ino !== first.ino || st.dev !== first.dev) throw usageError(`manifest ${shown} was replaced while it was being opened`, 'make sure nothing is changing the file, then retry');
    bytes = await readPrefix(handle, MAX_MANIFEST_SIZE + 1);
  } catch (error) {
    if (error instanceof XlpError) throw error;
    throw unusable(shown, error);
  } finally {
    await handle.close();
  }
  const at = (line: number, column: number, message: string): ManifestError => new ManifestError([{ file: path, line, column, message }]);
  if (bytes.length > MAX_MANIFEST_SIZE) throw at(1, 1, `the manifest is larger than ${MAX_MANIFEST_SIZE} bytes (1 MiB), more than xlp reads; is this the right file?`);
  const bad = firstInvalidUtf8(bytes);
  if (bad !== undefined) {
    const before = Buffer.from(bytes.subarray(0, bad)).toString('utf8');
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    throw at(line, column, `the manifest is not UTF-8 text (byte ${bad} cannot be decoded); save it as UTF-8`);
  }
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.startsWith('\ufeff')) text = text.slice(1);
  return { text, realDir: dirname(real) };
}

function checkRegular(st: Stats, shown: string): void {
  if (!st.isFile()) throw usageError(`manifest ${shown} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`, 'give the path of a manifest file (.yaml or .json)');
}

function unusable(shown: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return usageError(`manifest ${shown} does not exist`, 'check the path of the manifest');
  if (code === 'ENOTDIR') return usageError(`manifest ${shown} does not exist (a part of its path is not a directory)`, 'check the path of the manifest');
  if (code === 'ELOOP') return usageError(`manifest ${shown} is a loop of symbolic links`, 'fix the symbolic links');
  if (code === 'EACCES') return usageError(`manifest ${shown} is not readable: permission denied`, 'run as root or fix its permissions');
  return usageError(`manifest ${shown} cannot be read: ${code ?? String(error)}`, 'check the manifest file');
}

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence, or undefined. */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    const second = bytes[i + 1] ?? 0;
    // Overlong three- and four-byte forms, UTF-16 surrogates, and code points past U+10FFFF.
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return i;
    i += length;
  }
  return undefined;
}

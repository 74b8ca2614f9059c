/**
 * readPayloadFile: the bytes of a payload file and their model, read once through one file
 * descriptor so that the bytes checked are the bytes uploaded.
 *
 * The path is stat()ed first so that a device or FIFO is refused before it is ever opened (opening
 * some devices has side effects), then opened with O_NONBLOCK (a FIFO swapped in meanwhile cannot
 * hang the open) and O_NOCTTY, and the descriptor is fstat()ed and compared with the first stat.
 * Symbolic links are followed: operators point `livepatch.livepatch` links at the current payload.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, stat, type FileHandle } from 'node:fs/promises';

import { ExitCode, XlpError, usageError } from '../errors.js';
import { Errno } from '../model/errno.js';
import { readPrefix } from '../util/read-prefix.js';
import { printable } from '../model/text.js';
import { parsePayload } from './parse.js';
import type { PayloadInfo } from './types.js';
import { MAX_PAYLOAD_SIZE } from './xen-checks.js';

/** Paths are shown whole (escaped) up to this length. */
const MAX_SHOWN_PATH = 1024;

const invalid = (message: string, hint: string): XlpError =>
  new XlpError('invalid-payload', ExitCode.INVALID_PAYLOAD, message, { hint, errno: Errno.EINVAL });

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

async function describeMissing(path: string, shown: string): Promise<XlpError> {
  const link = await lstat(path).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    const target = await readlink(path).catch(() => '?');
    return usageError(`payload file ${shown} is a dangling symbolic link to ${printable(target, MAX_SHOWN_PATH)}`, 'Point the link at an existing payload file.');
  }
  return usageError(`payload file ${shown} does not exist`, 'Check the path of the payload file.');
}

async function statPath(path: string, shown: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw await describeMissing(path, shown);
    if (code === 'ELOOP') throw usageError(`payload file ${shown} is a loop of symbolic links`, 'Fix the symbolic links.');
    if (code === 'EACCES') throw usageError(`payload file ${shown} cannot be reached: permission denied`, 'Check the permissions of its directories.');
    if (code === 'ENOTDIR') throw usageError(`payload file ${shown} does not exist (a part of its path is not a directory)`, 'Check the path of the payload file.');
    throw usageError(`payload file ${shown} cannot be examined: ${code ?? String(error)}`, 'Check the path of the payload file.');
  }
}

function checkRegular(st: Stats, shown: string): void {
  if (!st.isFile()) {
    throw usageError(`payload file ${shown} is ${kindOf(st)}, not a regular file`, 'Give the path of a .livepatch file.');
  }
  if (st.size === 0) throw invalid(`payload file ${shown} is empty`, 'The file holds no payload; rebuild or copy it again.');
  if (st.size > MAX_PAYLOAD_SIZE) {
    throw invalid(
      `payload file ${shown} is ${st.size} bytes; Xen accepts at most ${MAX_PAYLOAD_SIZE} (2 MiB)`,
      'This is not a livepatch payload Xen can load.',
    );
  }
}

async function openChecked(path: string, shown: string, first: Stats): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw usageError(`payload file ${shown} is not readable: permission denied`, 'Run as root or fix its permissions.');
    if (code === 'ENOENT') throw await describeMissing(path, shown);
    throw usageError(`payload file ${shown} cannot be opened: ${code ?? String(error)}`, 'Check the payload file.');
  }
  try {
    const st = await handle.stat();
    checkRegular(st, shown);
    if (st.ino !== first.ino || st.dev !== first.dev) {
      throw usageError(`payload file ${shown} was replaced while it was being opened`, 'Make sure nothing is changing the file, then retry.');
    }
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Reads exactly `size` bytes, and refuses a file that grew or shrank while being read. */
async function readExactly(handle: FileHandle, size: number, shown: string): Promise<Uint8Array> {
  const bytes = await readPrefix(handle, size);
  const extra = await handle.read(new Uint8Array(1), 0, 1, size);
  if (bytes.length !== size || extra.bytesRead !== 0) {
    throw invalid(`payload file ${shown} changed size while it was being read`, 'Make sure nothing is writing the file, then retry.');
  }
  return bytes;
}

export async function readPayloadFile(path: string): Promise<{ bytes: Uint8Array; info: PayloadInfo }> {
  const shown = printable(path, MAX_SHOWN_PATH);
  if (path === '') throw usageError('no payload file given (the path is empty)', 'Give the path of a .livepatch file.');
  const first = await statPath(path, shown);
  checkRegular(first, shown);
  const handle = await openChecked(path, shown, first);
  let bytes: Uint8Array;
  try {
    bytes = await readExactly(handle, first.size, shown);
  } catch (error) {
    if (error instanceof XlpError) throw error;
    throw usageError(`payload file ${shown} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'Check the payload file.');
  } finally {
    await handle.close();
  }
  try {
    return { bytes, info: parsePayload(bytes) };
  } catch (error) {
    if (error instanceof XlpError) {
      throw new XlpError(error.code, error.exitCode, `payload file ${shown}: ${error.message}`, {
        hint: error.hint,
        errno: error.errno,
      });
    }
    throw error;
  }
}

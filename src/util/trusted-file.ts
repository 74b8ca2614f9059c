/**
 * A trust anchor (a config file that may require signatures, an allowed-signers file) is read once,
 * through one descriptor, and only if nobody but root or the user running xlp could have written it.
 * A refusal names the real fault ("writable by others (mode 0666)", "owned by uid 1000"), so the
 * operator fixes the right thing; callers wrap it in their own error.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export class UntrustedFile extends Error {
  constructor(
    readonly path: string,
    /** What is wrong with the file, e.g. "writable by others (mode 0666)". */
    readonly fault: string,
    /** How to put it right. */
    readonly fix: string,
  ) {
    super(`${path}: ${fault}`);
    this.name = 'UntrustedFile';
  }
}

export interface TrustedRead {
  readonly maxBytes: number;
  /** A file that does not exist is no error: undefined. */
  readonly missingOk?: boolean;
  /** The uid allowed besides root; default: this process's. */
  readonly uid?: number;
}

export async function readTrustedFile(path: string, options: TrustedRead & { missingOk: true }): Promise<Uint8Array | undefined>;
export async function readTrustedFile(path: string, options: TrustedRead): Promise<Uint8Array>;
export async function readTrustedFile(path: string, options: TrustedRead): Promise<Uint8Array | undefined> {
  // O_NONBLOCK: a FIFO planted at the path must not hang the run.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    if (options.missingOk === true && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return undefined;
    throw new UntrustedFile(path, `cannot be read (${error.code ?? error.message})`, 'check the path and its permissions');
  });
  if (handle === undefined) return undefined;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new UntrustedFile(path, `is not a regular file (${kindOf(info)})`, 'point the setting at the file itself');
    const faults = trustFaults(info.uid, info.mode, options.uid ?? process.getuid?.());
    if (faults.length > 0) throw new UntrustedFile(path, `refused: ${faults.join(' and ')}`, fixFor(path, info.uid, info.mode, options.uid ?? process.getuid?.()));
    if (info.size > options.maxBytes) throw new UntrustedFile(path, `is larger than ${options.maxBytes} bytes`, 'point the setting at the right file');
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Why a file with this owner and mode could have been written by someone other than root or `uid`. */
export function trustFaults(owner: number, mode: number, uid: number | undefined): string[] {
  const faults: string[] = [];
  const octal = `mode 0${(mode & 0o777).toString(8).padStart(3, '0')}`;
  if ((mode & 0o002) !== 0) faults.push(`writable by others (${octal})`);
  else if ((mode & 0o020) !== 0) faults.push(`writable by its group (${octal})`);
  if (uid !== undefined && owner !== 0 && owner !== uid) faults.push(`owned by uid ${owner}, neither root nor the user running xlp (uid ${uid})`);
  return faults;
}

function fixFor(path: string, owner: number, mode: number, uid: number | undefined): string {
  const fixes: string[] = [];
  if ((mode & 0o022) !== 0) fixes.push(`chmod go-w ${path}`);
  if (uid !== undefined && owner !== 0 && owner !== uid) fixes.push(`chown ${uid === 0 ? 'root' : uid} ${path}`);
  return `only root or its owner may be able to change it: ${fixes.join('; ')}`;
}

function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  return info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : 'not a file';
}

/**
 * Bounds-checked little-endian reads over an untrusted buffer, and the one error the ELF reader
 * throws. Every read is checked even where the caller validated the range first: a reader bug
 * must surface as an 'invalid-payload' error, never as a RangeError or a wrong value.
 */
import { ExitCode, XlpError } from '../errors.js';
import { Errno } from '../model/errno.js';

const HINT = 'The file is not a livepatch payload Xen can load: check the path, or rebuild the payload.';

/** The only thing the ELF reader ever throws. `errno` is what Xen answers for the same defect. */
export function elfError(message: string, errno: number = Errno.EINVAL): XlpError {
  return new XlpError('invalid-payload', ExitCode.INVALID_PAYLOAD, message, { errno, hint: HINT });
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class ByteReader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  private check(offset: number, width: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + width > this.bytes.length) {
      throw elfError(`a ${width}-byte field at byte ${offset} lies past the end of the ${this.bytes.length}-byte data`);
    }
  }

  u8(offset: number): number {
    this.check(offset, 1);
    return this.view.getUint8(offset);
  }

  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }

  u64(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, true);
  }

  i64(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigInt64(offset, true);
  }

  slice(offset: number, size: number): Uint8Array {
    this.check(offset, size);
    return this.bytes.subarray(offset, offset + size);
  }
}

/**
 * The NUL-terminated string at `offset` in `table`, or undefined when there is no NUL before the
 * end of the table (or within `maxLength` bytes).
 */
export function cString(table: Uint8Array, offset: number, maxLength = table.length): string | undefined {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= table.length) return undefined;
  const limit = Math.min(table.length, offset + maxLength + 1);
  const end = table.subarray(0, limit).indexOf(0, offset);
  return end < 0 ? undefined : utf8.decode(table.subarray(offset, end));
}

/** A u64 file offset or size as a number, when it is small enough to index the buffer. */
export function asIndex(value: bigint): number | undefined {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Xen's copy of the uploaded file, read the way its loader reads it: little-endian fields at byte
 * offsets that come from the file itself (so they are u64, hence bigint). Xen checks most offsets
 * before it follows them, but not all; a read that runs off the copy is what Xen would do by
 * walking off its buffer, so it throws XenFault rather than returning anything.
 */
import { XenFault } from './xen-fault.js';

/** Longer names than this are never compared in full: no name Xen looks for is this long. */
const MAX_NAME_BYTES = 256;
/** Marks a name cut at MAX_NAME_BYTES: not a Latin-1 character, so it can never equal a real name. */
const CUT_NAME_MARK = '\u2026';

const latin1 = new TextDecoder('latin1');

/** Bytes as a string, one character per byte: names compare byte for byte, as Xen's strcmp does. */
export const bytesToName = (bytes: Uint8Array): string => latin1.decode(bytes);

export class UploadBytes {
  /** The upload's size: Xen's elf->len. */
  readonly length: number;

  constructor(readonly bytes: Uint8Array) {
    this.length = bytes.length;
  }

  /** Whether [offset, offset + length) lies inside the upload. */
  holds(offset: bigint, length: bigint): boolean {
    return offset >= 0n && length >= 0n && offset + length <= BigInt(this.length);
  }

  private start(offset: bigint, width: number): number {
    if (!this.holds(offset, BigInt(width))) {
      throw new XenFault(`reading ${width} bytes at byte ${offset} of a ${this.length}-byte upload`);
    }
    return Number(offset);
  }

  /** The unsigned little-endian integer of `width` bytes at `offset`. */
  private field(offset: bigint, width: number): bigint {
    const at = this.start(offset, width);
    let value = 0n;
    for (let i = width - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.bytes[at + i] as number);
    return value;
  }

  u8(offset: bigint): number {
    return Number(this.field(offset, 1));
  }

  u16(offset: bigint): number {
    return Number(this.field(offset, 2));
  }

  u32(offset: bigint): number {
    return Number(this.field(offset, 4));
  }

  u64(offset: bigint): bigint {
    return this.field(offset, 8);
  }

  slice(offset: bigint, length: number): Uint8Array {
    const at = this.start(offset, length);
    return this.bytes.subarray(at, at + length);
  }

  /**
   * The NUL-terminated name at `offset`, read at most MAX_NAME_BYTES far (longer ones end with
   * CUT_NAME_MARK). Callers have checked, as Xen does, that the table holding it ends with a NUL.
   */
  name(offset: bigint): string {
    const at = this.start(offset, 1);
    const window = this.bytes.subarray(at, Math.min(this.bytes.length, at + MAX_NAME_BYTES));
    const end = window.indexOf(0);
    if (end >= 0) return bytesToName(window.subarray(0, end));
    if (window.length < MAX_NAME_BYTES) throw new XenFault(`a name at byte ${offset} runs off the upload`);
    return bytesToName(window) + CUT_NAME_MARK;
  }
}

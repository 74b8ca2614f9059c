/**
 * The payload's memory as Xen fills it: move_payload copies every loaded section to its load
 * address (zeros for NOBITS), in index order so that a later copy overwrites an earlier one where
 * they overlap, then the relocations write into it. Reads see exactly that. Bytes of the
 * allocation that no section covers read as zero. Reading outside the allocation is what Xen would
 * do by following a wild pointer: a XenFault.
 *
 * Memory use follows the upload, not the sizes the file claims: sections are kept as references
 * to the upload's bytes (or as "zeros"), and only relocated bytes are stored.
 */
import type { Layout } from './load-layout.js';
import { SHT } from './section-table.js';
import { XenFault } from './xen-fault.js';

interface Segment {
  readonly start: bigint;
  readonly end: bigint;
  /** The bytes the segment was copied from, or undefined for zeros (NOBITS). */
  readonly source: Uint8Array | undefined;
  /** Where source[0] lands in memory (the section's load address). */
  readonly sourceAddress: bigint;
}

/** Keeps the parts of `segments` that `cover` does not hide. */
function paint(segments: readonly Segment[], cover: Segment): Segment[] {
  const kept: Segment[] = [];
  for (const s of segments) {
    if (s.end <= cover.start || s.start >= cover.end) {
      kept.push(s);
      continue;
    }
    if (s.start < cover.start) kept.push({ ...s, end: cover.start });
    if (s.end > cover.end) kept.push({ ...s, start: cover.end });
  }
  kept.push(cover);
  return kept;
}

export class PayloadMemory {
  private readonly segments: readonly Segment[];
  private readonly written = new Map<bigint, number>();

  constructor(
    upload: Uint8Array,
    readonly layout: Layout,
  ) {
    let segments: Segment[] = [];
    for (const { section, address } of layout.placements) {
      if (section.size === 0n) continue;
      const source = section.type === SHT.NOBITS ? undefined : upload.subarray(Number(section.offset), Number(section.offset + section.size));
      segments = paint(segments, { start: address, end: address + section.size, source, sourceAddress: address });
    }
    this.segments = segments.sort((a, b) => (a.start < b.start ? -1 : 1));
  }

  /** Whether [address, address + length) is memory of this payload. */
  holds(address: bigint, length: bigint): boolean {
    return address >= this.layout.start && length >= 0n && address + length <= this.layout.end;
  }

  private segmentAt(address: bigint): Segment | undefined {
    let low = 0;
    let high = this.segments.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const s = this.segments[mid] as Segment;
      if (address < s.start) high = mid;
      else if (address >= s.end) low = mid + 1;
      else return s;
    }
    return undefined;
  }

  private byte(address: bigint): number {
    const written = this.written.get(address);
    if (written !== undefined) return written;
    const s = this.segmentAt(address);
    return s?.source?.[Number(address - s.sourceAddress)] ?? 0;
  }

  read(address: bigint, length: number): Uint8Array {
    if (!this.holds(address, BigInt(length))) throw new XenFault(`reading ${length} bytes at ${address.toString(16)}, outside the payload`);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.byte(address + BigInt(i));
    return out;
  }

  write(address: bigint, bytes: Uint8Array): void {
    if (!this.holds(address, BigInt(bytes.length))) throw new XenFault(`writing ${bytes.length} bytes at ${address.toString(16)}, outside the payload`);
    bytes.forEach((b, i) => this.written.set(address + BigInt(i), b));
  }

  /** The NUL-terminated string at `address` within `max` bytes, or undefined if there is none in this memory. */
  string(address: bigint, max: number): Uint8Array | undefined {
    const bytes: number[] = [];
    for (let i = 0n; i < BigInt(max); i++) {
      if (!this.holds(address + i, 1n)) return undefined;
      const b = this.byte(address + i);
      if (b === 0) return Uint8Array.from(bytes);
      bytes.push(b);
    }
    return undefined;
  }
}

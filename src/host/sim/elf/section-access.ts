/**
 * How Xen reads a section's contents: through the pointer it keeps for the section. Before
 * move_payload that points into the raw upload; afterwards, for a loaded section, at its load
 * address (relocated contents). For a section Xen did not load, Xen up to 4.19 kept a NULL
 * load address (reading through it is a XenFault); from 4.20 the pointer stays on the raw upload.
 */
import type { PayloadMemory } from './payload-memory.js';
import type { Section } from './section-table.js';
import type { UploadBytes } from './upload-bytes.js';
import { XenFault } from './xen-fault.js';

type Reader = (section: Section, offset: bigint, length: number) => Uint8Array;

export class SectionAccess {
  constructor(private readonly reader: Reader) {}

  bytes(section: Section, offset: bigint, length: number): Uint8Array {
    return this.reader(section, offset, length);
  }

  u8(section: Section, offset: bigint): number {
    return this.reader(section, offset, 1)[0] as number;
  }

  u32(section: Section, offset: bigint): number {
    const b = this.reader(section, offset, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  u64(section: Section, offset: bigint): bigint {
    const b = this.reader(section, offset, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  /** u64, or undefined where reading would fault: for values Xen only reads later, if ever. */
  peekU64(section: Section, offset: bigint): bigint | undefined {
    try {
      return this.u64(section, offset);
    } catch (error) {
      if (error instanceof XenFault) return undefined;
      throw error;
    }
  }
}

/** Before move_payload: every section is read from the upload. */
export const fromUpload = (raw: UploadBytes): SectionAccess => new SectionAccess((s, offset, length) => raw.slice(s.offset + offset, length));

/** After move_payload (and the relocations, which write into `memory`). */
export function fromLoadAddress(memory: PayloadMemory, raw: UploadBytes, readsUnloadedRaw: boolean): SectionAccess {
  return new SectionAccess((s, offset, length) => {
    const address = memory.layout.addresses.get(s.index);
    if (address !== undefined) return memory.read(address + offset, length);
    if (readsUnloadedRaw) return raw.slice(s.offset + offset, length);
    throw new XenFault(`reading section ${s.index} through its NULL load address`);
  });
}

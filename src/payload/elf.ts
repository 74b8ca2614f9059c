/**
 * A small, hand-written reader for ELF64 little-endian files (livepatch payloads are relocatable
 * x86-64 objects). It trusts nothing in the file: every offset, size, count and string is checked
 * against the buffer before use, counts are capped, and memory use is bounded by the file size,
 * never by a count the file claims. Any defect is an XlpError 'invalid-payload' whose message names
 * the section and the bytes involved; `errno` carries what Xen answers for the same defect.
 * The tables (symbols, relocations, notes) are read by elf-tables.ts. See docs/payload.md.
 */
import { Errno } from '../model/errno.js';
import { ByteReader, asIndex, cString, elfError } from './elf-bytes.js';
import { printable } from '../model/text.js';

export const ELF_HEADER_SIZE = 64;
export const SECTION_HEADER_SIZE = 64;
/** Xen refuses payloads with 1024 sections or more (livepatch_header_check). */
export const MAX_SECTIONS = 1023;

export const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOTE: 7, NOBITS: 8, REL: 9 } as const;
export const SHF = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4 } as const;

export interface ElfHeader {
  readonly identVersion: number;
  readonly osabi: number;
  readonly abiVersion: number;
  /** e_type: 1 ET_REL, 2 ET_EXEC, 3 ET_DYN. */
  readonly type: number;
  /** e_machine: 62 EM_X86_64. */
  readonly machine: number;
  readonly version: number;
  readonly phnum: number;
  readonly shoff: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  /** Low 32 bits of sh_flags (every flag Xen and binutils' -S listing look at). */
  readonly flags: number;
  readonly addr: bigint;
  readonly offset: number;
  /** sh_size; for NOBITS sections it occupies no file bytes. */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: bigint;
  readonly entsize: bigint;
}

/** The header fields Xen judges before it reads any section (livepatch_header_check). */
export type ElfIdentity = Pick<ElfHeader, 'identVersion' | 'osabi' | 'abiVersion' | 'type' | 'machine' | 'version' | 'phnum'>;

export interface ElfFile {
  readonly bytes: Uint8Array;
  readonly header: ElfHeader;
  /** Every section header, index 0 (the null section) included. */
  readonly sections: readonly ElfSection[];
}

const MAGIC = [0x7f, 0x45, 0x4c, 0x46];

export function describeSection(section: Pick<ElfSection, 'index' | 'name'>): string {
  return section.name === '' ? `section ${section.index}` : `section ${section.index} (${printable(section.name)})`;
}

function checkIdent(r: ByteReader): void {
  const head = Array.from(r.bytes.subarray(0, 4));
  if (head.some((b, i) => b !== MAGIC[i])) {
    const shown = head.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw elfError(`not an ELF file: it starts with bytes ${shown || '(none)'}, not 7f 45 4c 46`);
  }
  if (r.length < ELF_HEADER_SIZE) {
    throw elfError(`the file is ${r.length} bytes, too short for the ${ELF_HEADER_SIZE}-byte ELF header`);
  }
  const elfClass = r.u8(4);
  if (elfClass !== 2) {
    const what = elfClass === 1 ? 'a 32-bit ELF file (ELFCLASS32)' : `an ELF file of unknown class ${elfClass}`;
    throw elfError(`${what}: a livepatch payload for x86-64 Xen is a 64-bit ELF file`, Errno.EOPNOTSUPP);
  }
  const data = r.u8(5);
  if (data !== 1) {
    const what = data === 2 ? 'a big-endian ELF file (ELFDATA2MSB)' : `an ELF file of unknown byte order ${data}`;
    throw elfError(`${what}: a livepatch payload for x86-64 Xen is little-endian`, Errno.EOPNOTSUPP);
  }
}

const identityOf = (r: ByteReader): ElfIdentity => ({
  identVersion: r.u8(6),
  osabi: r.u8(7),
  abiVersion: r.u8(8),
  type: r.u16(0x10),
  machine: r.u16(0x12),
  version: r.u32(0x14),
  phnum: r.u16(0x38),
});

/** The identity fields of an ELF header, or undefined when the bytes do not start one. */
export function readIdentity(bytes: Uint8Array): ElfIdentity | undefined {
  if (bytes.length < ELF_HEADER_SIZE || MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  return identityOf(new ByteReader(bytes));
}

function readHeader(r: ByteReader): ElfHeader {
  checkIdent(r);
  const rawShoff = r.u64(0x28);
  const shoff = asIndex(rawShoff);
  const header: ElfHeader = {
    ...identityOf(r),
    shoff: shoff ?? Number.MAX_SAFE_INTEGER,
    shentsize: r.u16(0x3a),
    shnum: r.u16(0x3c),
    shstrndx: r.u16(0x3e),
  };
  if (header.shnum === 0) throw elfError('the ELF header declares no sections (e_shnum is 0)');
  if (header.shnum > MAX_SECTIONS) {
    throw elfError(`the ELF header declares ${header.shnum} sections; Xen accepts at most ${MAX_SECTIONS}`, Errno.EOPNOTSUPP);
  }
  if (header.shstrndx === 0) throw elfError('the ELF header names no section-name string table (e_shstrndx is 0)');
  if (header.shstrndx >= header.shnum) {
    throw elfError(`the section-name string table index ${header.shstrndx} is past the last of the ${header.shnum} sections`);
  }
  if (header.shentsize < SECTION_HEADER_SIZE) {
    throw elfError(`section headers are ${header.shentsize} bytes; ELF64 needs at least ${SECTION_HEADER_SIZE}`);
  }
  if (header.shoff >= r.length) {
    throw elfError(`the section header table starts at byte ${rawShoff}, past the end of the ${r.length}-byte file`);
  }
  if (header.shoff < ELF_HEADER_SIZE) {
    throw elfError(`the section header table starts at byte ${header.shoff}, inside the ELF header`);
  }
  const end = header.shoff + header.shnum * header.shentsize;
  if (end > r.length) {
    throw elfError(
      `the section header table (${header.shnum} entries of ${header.shentsize} bytes from byte ${header.shoff}) ` +
        `ends at byte ${end}, past the end of the ${r.length}-byte file`,
    );
  }
  return header;
}

interface RawSection extends Omit<ElfSection, 'name' | 'offset' | 'size'> {
  readonly nameOffset: number;
  readonly offset: bigint;
  readonly size: bigint;
}

function readRawSection(r: ByteReader, header: ElfHeader, index: number): RawSection {
  const at = header.shoff + index * header.shentsize;
  return {
    index,
    nameOffset: r.u32(at),
    type: r.u32(at + 4),
    flags: r.u32(at + 8),
    addr: r.u64(at + 16),
    offset: r.u64(at + 24),
    size: r.u64(at + 32),
    link: r.u32(at + 40),
    info: r.u32(at + 44),
    addralign: r.u64(at + 48),
    entsize: r.u64(at + 56),
  };
}

/** Checks where a section's bytes lie; returns its offset and size as numbers. */
function placeSection(raw: RawSection, what: string, fileSize: number): { offset: number; size: number } {
  if (raw.offset < BigInt(ELF_HEADER_SIZE)) {
    throw elfError(`${what} starts at byte ${raw.offset}, inside the ELF header`);
  }
  const offset = asIndex(raw.offset);
  const size = asIndex(raw.size);
  if (raw.type !== SHT.NOBITS && raw.offset + raw.size > BigInt(fileSize)) {
    throw elfError(`${what} ends at byte ${raw.offset + raw.size}, past the end of the ${fileSize}-byte file`);
  }
  if (size === undefined) throw elfError(`${what} claims an impossible size of ${raw.size} bytes`);
  return { offset: offset ?? Number.MAX_SAFE_INTEGER, size };
}

/** Xen's alignment rules (elf_resolve_sections, 4.10+), which it checks right after the bounds. */
function checkAlignment(raw: RawSection, what: string): void {
  if ((raw.addralign & (raw.addralign - 1n)) !== 0n) {
    throw elfError(`${what} has an alignment of ${raw.addralign}, not a power of two`, Errno.EOPNOTSUPP);
  }
  if (raw.addralign !== 0n && raw.addr % raw.addralign !== 0n) {
    throw elfError(`${what} has address ${raw.addr}, not a multiple of its alignment ${raw.addralign}`);
  }
}

/** Xen's elf_verify_strtab: a STRTAB section, not empty, starting and ending with NUL. */
export function checkStringTable(section: ElfSection, bytes: Uint8Array, role: string): Uint8Array {
  const what = `the ${role} (${describeSection(section)})`;
  if (section.type !== SHT.STRTAB) throw elfError(`${what} is not a string table (its type is ${section.type})`);
  if (section.size === 0) throw elfError(`${what} is empty`);
  const table = bytes.subarray(section.offset, section.offset + section.size);
  if (table[0] !== 0) throw elfError(`${what} does not start with a NUL byte`);
  if (table[table.length - 1] !== 0) throw elfError(`${what} does not end with a NUL byte`);
  return table;
}

function checkOverlaps(sections: readonly ElfSection[], header: ElfHeader): void {
  const extents = sections
    .filter((s) => s.index > 0 && s.type !== SHT.NOBITS && s.size > 0)
    .map((s) => ({ start: s.offset, end: s.offset + s.size, what: describeSection(s) }));
  extents.push({
    start: header.shoff,
    end: header.shoff + header.shnum * header.shentsize,
    what: 'the section header table',
  });
  extents.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < extents.length; i++) {
    const previous = extents[i - 1]!;
    const current = extents[i]!;
    if (current.start < previous.end) {
      throw elfError(
        `${previous.what} (bytes ${previous.start}-${previous.end - 1}) and ${current.what} ` +
          `(bytes ${current.start}-${current.end - 1}) overlap`,
      );
    }
  }
}

/** Reads and validates the ELF header, every section header, and the section names. */
export function readElf(bytes: Uint8Array): ElfFile {
  const r = new ByteReader(bytes);
  const header = readHeader(r);
  const raws: RawSection[] = [];
  for (let i = 0; i < header.shnum; i++) raws.push(readRawSection(r, header, i));

  // The names come first so that every later message can name its section.
  const namesRaw = raws[header.shstrndx]!;
  const namesWhere = placeSection(namesRaw, `the section-name string table (section ${header.shstrndx})`, r.length);
  const namesSection: ElfSection = { ...namesRaw, name: '', ...namesWhere };
  const names = checkStringTable(namesSection, bytes, 'section-name string table');

  const sections = raws.map((raw): ElfSection => {
    // Xen never looks at the null section; keep what it says for listings, clamped to numbers.
    if (raw.index === 0) return { ...raw, name: '', offset: asIndex(raw.offset) ?? 0, size: asIndex(raw.size) ?? 0 };
    // The table ends with NUL (checked above), so any in-range offset yields a terminated name.
    const name = cString(names, raw.nameOffset);
    if (name === undefined) {
      throw elfError(
        `section ${raw.index} has its name at byte ${raw.nameOffset}, past the end of the ` +
          `${names.length}-byte section-name string table`,
      );
    }
    const what = describeSection({ index: raw.index, name });
    const where = placeSection(raw, what, r.length);
    checkAlignment(raw, what);
    return { ...raw, name, ...where };
  });
  checkOverlaps(sections, header);
  return { bytes, header, sections };
}

/** Section contents. NOBITS sections read as zeros (what Xen loads), up to `maxNobits` bytes. */
export function sectionBytes(elf: ElfFile, section: ElfSection, maxNobits = 2 * 1024 * 1024): Uint8Array {
  if (section.type !== SHT.NOBITS) return elf.bytes.subarray(section.offset, section.offset + section.size);
  if (section.size > maxNobits) {
    throw elfError(`${describeSection(section)} is a ${section.size}-byte NOBITS section; xlp reads at most ${maxNobits}`);
  }
  return new Uint8Array(section.size);
}

/** The first section with this name: the one Xen uses (livepatch_elf_sec_by_name). */
export function sectionByName(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.index > 0 && s.name === name);
}

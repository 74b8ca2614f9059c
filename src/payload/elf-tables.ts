/**
 * The tables inside an ELF file read by elf.ts: symbol tables, RELA relocations and notes. Each
 * reader validates the table's shape before reading an entry, caps the entry count, and allocates
 * only in proportion to bytes that really are in the file.
 */
import { ByteReader, cString, elfError } from './elf-bytes.js';
import { SHT, checkStringTable, describeSection, sectionBytes, type ElfFile, type ElfSection } from './elf.js';

/** Far above any real payload (2 MiB / 24-byte entries is about 87,000). */
export const MAX_TABLE_ENTRIES = 1 << 18;

export const SYMBOL_SIZE = 24;
export const RELA_SIZE = 24;
export const SHN = { UNDEF: 0, LORESERVE: 0xff00, ABS: 0xfff1, COMMON: 0xfff2 } as const;

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  /** st_info & 0xf: 0 NOTYPE, 1 OBJECT, 2 FUNC, 3 SECTION, 4 FILE. */
  readonly type: number;
  /** st_info >> 4: 0 LOCAL, 1 GLOBAL, 2 WEAK. */
  readonly bind: number;
  readonly other: number;
  /** st_shndx, unchecked: a section index or a reserved value (SHN). */
  readonly shndx: number;
}

export interface ElfRela {
  readonly offset: bigint;
  readonly symbol: number;
  /** R_X86_64_*: 0 NONE, 1 64, 2 PC32, 4 PLT32. */
  readonly type: number;
  readonly addend: bigint;
}

export interface ElfNote {
  readonly type: number;
  readonly namesz: number;
  /** The name's bytes up to namesz (usually "GNU\0"). */
  readonly nameBytes: Uint8Array;
  readonly desc: Uint8Array;
}

function entryCount(section: ElfSection, entsize: bigint, minimum: number, exact: boolean, what: string): number {
  const where = `${what} ${describeSection(section)}`;
  if (exact ? entsize !== BigInt(minimum) : entsize < BigInt(minimum)) {
    throw elfError(`${where} has ${entsize}-byte entries; ELF64 needs ${exact ? '' : 'at least '}${minimum}`);
  }
  const stride = Number(entsize);
  if (section.size === 0) throw elfError(`${where} is empty`);
  if (section.size % stride !== 0) {
    throw elfError(`${where} is ${section.size} bytes, not a whole number of ${stride}-byte entries`);
  }
  const count = section.size / stride;
  if (count > MAX_TABLE_ENTRIES) throw elfError(`${where} has ${count} entries; xlp reads at most ${MAX_TABLE_ENTRIES}`);
  return count;
}

function tableOf(elf: ElfFile, section: ElfSection, type: number, what: string): ByteReader {
  if (section.type !== type) throw elfError(`${describeSection(section)} is not a ${what} (its type is ${section.type})`);
  if (section.type === SHT.NOBITS) throw elfError(`${describeSection(section)} has no contents`);
  return new ByteReader(sectionBytes(elf, section));
}

/** The string table a symbol table names in sh_link, checked as Xen checks it. */
function symbolNames(elf: ElfFile, symtab: ElfSection): Uint8Array {
  const strtab = elf.sections[symtab.link];
  if (symtab.link === 0 || strtab === undefined) {
    throw elfError(`symbol table ${describeSection(symtab)} links to string table ${symtab.link}, which does not exist`);
  }
  return checkStringTable(strtab, elf.bytes, `string table of symbol table ${describeSection(symtab)}`);
}

export function readSymbols(elf: ElfFile, symtab: ElfSection): ElfSymbol[] {
  const r = tableOf(elf, symtab, SHT.SYMTAB, 'symbol table');
  const count = entryCount(symtab, symtab.entsize, SYMBOL_SIZE, false, 'symbol table');
  const stride = Number(symtab.entsize);
  const names = symbolNames(elf, symtab);
  const symbols: ElfSymbol[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * stride;
    const nameOffset = r.u32(at);
    // Xen never reads symbol 0 (STN_UNDEF): a bad name there is not a defect.
    const name = cString(names, nameOffset) ?? (i === 0 ? '' : undefined);
    if (name === undefined) {
      throw elfError(
        `symbol ${i} of ${describeSection(symtab)} has its name at byte ${nameOffset}, past the end of ` +
          `its ${names.length}-byte string table`,
      );
    }
    const info = r.u8(at + 4);
    symbols.push({
      index: i,
      name,
      type: info & 0xf,
      bind: info >> 4,
      other: r.u8(at + 5),
      shndx: r.u16(at + 6),
      value: r.u64(at + 8),
      size: r.u64(at + 16),
    });
  }
  return symbols;
}

export function readRelas(elf: ElfFile, section: ElfSection): ElfRela[] {
  const r = tableOf(elf, section, SHT.RELA, 'RELA relocation section');
  const count = entryCount(section, section.entsize, RELA_SIZE, true, 'relocation section');
  const relas: ElfRela[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * RELA_SIZE;
    const info = r.u64(at + 8);
    relas.push({ offset: r.u64(at), symbol: Number(info >> 32n), type: Number(info & 0xffffffffn), addend: r.i64(at + 16) });
  }
  return relas;
}

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * Every note in a section. A note whose namesz or descsz runs past the section is an error; the
 * last note may omit the padding after its descriptor, and zero bytes after it are tolerated.
 */
export function readNotes(elf: ElfFile, section: ElfSection): ElfNote[] {
  const bytes = sectionBytes(elf, section);
  const r = new ByteReader(bytes);
  const notes: ElfNote[] = [];
  const where = describeSection(section);
  let at = 0;
  while (at < bytes.length) {
    const left = bytes.length - at;
    if (left < 12) {
      if (bytes.subarray(at).some((b) => b !== 0)) {
        throw elfError(`${where} ends with ${left} stray bytes after note ${notes.length}, too few for a note header`);
      }
      break;
    }
    const namesz = r.u32(at);
    const descsz = r.u32(at + 4);
    const type = r.u32(at + 8);
    const n = notes.length + 1;
    const descStart = at + 12 + align4(namesz);
    if (12 + namesz > left) {
      throw elfError(`note ${n} in ${where} claims a ${namesz}-byte name but only ${left - 12} bytes follow its header`);
    }
    if (descStart + descsz > bytes.length) {
      throw elfError(
        `note ${n} in ${where} claims a ${descsz}-byte descriptor but only ${Math.max(0, bytes.length - descStart)} bytes follow its name`,
      );
    }
    notes.push({ type, namesz, nameBytes: r.slice(at + 12, namesz), desc: r.slice(descStart, descsz) });
    at = Math.min(bytes.length, descStart + align4(descsz));
  }
  return notes;
}

/** The name of a note as text (up to its first NUL). */
export function noteName(note: ElfNote): string {
  return cString(Uint8Array.from([...note.nameBytes.subarray(0, 64), 0]), 0) ?? '';
}

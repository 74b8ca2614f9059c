/**
 * An ELF file with all its tables read up front (so that any corruption is found whatever the
 * caller asks for), and the one question livepatch descriptors need answered: what does the pointer
 * at this offset of this section point at, once relocated?
 */
import { cString } from './elf-bytes.js';
import { SHT, readElf, sectionBytes, type ElfFile, type ElfSection } from './elf.js';
import { readNotes, readRelas, readSymbols, type ElfNote, type ElfRela, type ElfSymbol } from './elf-tables.js';

export const R_X86_64 = { NONE: 0, R64: 1, PC32: 2, PLT32: 4 } as const;

/** Longer than any symbol name Xen can hold (KSYM_NAME_LEN is 128). */
const MAX_POINTED_STRING = 1024;

export interface PayloadElf {
  readonly elf: ElfFile;
  /** Symbols of each SYMTAB section, by section index. */
  readonly symbols: ReadonlyMap<number, readonly ElfSymbol[]>;
  /** Entries of each RELA section, by section index. */
  readonly relas: ReadonlyMap<number, readonly ElfRela[]>;
  /** Notes of each SHT_NOTE section and of the named sections asked for, by section index. */
  readonly notes: ReadonlyMap<number, readonly ElfNote[]>;
}

export function readPayloadElf(bytes: Uint8Array, noteSections: readonly string[]): PayloadElf {
  const elf = readElf(bytes);
  const symbols = new Map<number, ElfSymbol[]>();
  const relas = new Map<number, ElfRela[]>();
  const notes = new Map<number, ElfNote[]>();
  for (const section of elf.sections) {
    if (section.index === 0) continue;
    if (section.type === SHT.SYMTAB) symbols.set(section.index, readSymbols(elf, section));
    else if (section.type === SHT.RELA) relas.set(section.index, readRelas(elf, section));
    if (section.type === SHT.NOTE || (noteSections.includes(section.name) && section.size > 0)) {
      notes.set(section.index, readNotes(elf, section));
    }
  }
  return { elf, symbols, relas, notes };
}

export interface Relocation {
  readonly rela: ElfRela;
  /** Index of the symbol table the relocation section links to. */
  readonly symtab: number;
}

/**
 * The relocations that patch `target`, by offset. Where two write the same offset the later one
 * wins, as when Xen applies them in order.
 * Built once per section so that resolving many pointers stays linear in the file size.
 */
export function relocationsOf(p: PayloadElf, target: ElfSection): ReadonlyMap<bigint, Relocation> {
  const byOffset = new Map<bigint, Relocation>();
  for (const section of p.elf.sections) {
    if (section.type !== SHT.RELA || section.info !== target.index) continue;
    for (const rela of p.relas.get(section.index) ?? []) {
      byOffset.set(rela.offset, { rela, symtab: section.link });
    }
  }
  return byOffset;
}

/**
 * The NUL-terminated string a relocated pointer refers to: symbol value + addend, inside the
 * symbol's section. Undefined when the pointer is not an R_X86_64_64 relocation to a defined
 * symbol, or points outside its section, or at bytes with no NUL before the section's end.
 */
export function pointedString(p: PayloadElf, relocation: Relocation | undefined): string | undefined {
  if (!relocation || relocation.rela.type !== R_X86_64.R64) return undefined;
  const symbol = p.symbols.get(relocation.symtab)?.[relocation.rela.symbol];
  const section = symbol === undefined ? undefined : p.elf.sections[symbol.shndx];
  if (!symbol || !section || section.index === 0 || section.type === SHT.NOBITS) return undefined;
  const position = symbol.value + relocation.rela.addend;
  if (position < 0n || position >= BigInt(section.size)) return undefined;
  return cString(sectionBytes(p.elf, section), Number(position), MAX_POINTED_STRING);
}

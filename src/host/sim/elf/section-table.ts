/**
 * The section headers as Xen takes them in (livepatch_elf.c elf_resolve_sections, then
 * elf_resolve_section_names), one section at a time in index order, stopping at the first bad
 * one. Xen never reads the header of section 0: it has none (a NULL pointer), so following a link
 * to section 0 is a XenFault. Xen does not check that sections overlap each other or the headers.
 */
import { Errno } from '../../../model/errno.js';
import type { ElfHeader } from './elf-header.js';
import { ELF_HEADER_SIZE } from './elf-header.js';
import { Refusal } from './refusal.js';
import type { LoaderRules } from './xen-rules.js';
import type { UploadBytes } from './upload-bytes.js';
import { XenFault } from './xen-fault.js';
import { LIVEPATCH_MAX_SIZE } from './xen-limits.js';

export const SHT = { SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9 } as const;
export const SHF = { WRITE: 0x1n, ALLOC: 0x2n, EXECINSTR: 0x4n } as const;
const ELF64_SYM_SIZE = 24n;
const U64 = (1n << 64n) - 1n;

export interface Section {
  readonly index: number;
  /** The name as bytes in a string (see UploadBytes.name); '' until the names are read. */
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly link: number;
  readonly info: number;
  readonly addralign: bigint;
  readonly entsize: bigint;
}

export interface SectionTable {
  readonly shnum: number;
  /** Sections 1 to e_shnum - 1, at their index; index 0 is a hole, as in Xen. */
  readonly sections: readonly Section[];
  readonly symtab: Section;
  readonly strtab: Section;
}

export const isAllocated = (s: Section): boolean => (s.flags & SHF.ALLOC) !== 0n;

/** Section `index`: Xen follows a link to section 0 into its NULL header. */
export function sectionAt(table: Pick<SectionTable, 'sections'>, index: number): Section {
  const section = table.sections[index];
  if (section === undefined) throw new XenFault(`following a link to section ${index}, which has no header`);
  return section;
}

/** livepatch_elf_sec_by_name: the first section of that name. */
export const sectionByName = (table: Pick<SectionTable, 'sections'>, name: string): Section | undefined =>
  table.sections.find((s) => s !== undefined && s.name === name);

function readHeader(raw: UploadBytes, header: ElfHeader, index: number): Section {
  const at = header.shoff + BigInt(index * header.shentsize);
  return {
    index,
    name: '',
    type: raw.u32(at + 4n),
    flags: raw.u64(at + 8n),
    addr: raw.u64(at + 16n),
    offset: raw.u64(at + 24n),
    size: raw.u64(at + 32n),
    link: raw.u32(at + 40n),
    info: raw.u32(at + 44n),
    addralign: raw.u64(at + 48n),
    entsize: raw.u64(at + 56n),
  };
}

/** The one-section checks of elf_resolve_sections, in Xen's order. */
function checkSection(s: Section, length: bigint, rules: LoaderRules): Refusal | undefined {
  const check = 'elf_resolve_sections';
  const where = `section ${s.index}: sh_offset ${s.offset}, sh_size ${s.size}, sh_addralign ${s.addralign}, sh_addr ${s.addr}`;
  // Xen's sum is a u64: a size that wraps around passes, as it does in Xen.
  const end = (s.offset + s.size) & U64;
  if (s.offset < BigInt(ELF_HEADER_SIZE) || (s.type !== SHT.NOBITS && (s.offset > length || end > length))) {
    return new Refusal(Errno.EINVAL, `${check}: section data at the ELF header or past the end`, `${check}: ${where}`);
  }
  if (rules.checksAlignment) {
    if ((s.addralign & (s.addralign - 1n)) !== 0n) {
      return new Refusal(Errno.EOPNOTSUPP, `${check}: alignment not a power of two`, `${check}: ${where}`);
    }
    if (s.addralign !== 0n && s.addr % s.addralign !== 0n) {
      return new Refusal(Errno.EINVAL, `${check}: address not aligned`, `${check}: ${where}`);
    }
  }
  if ((s.flags & (SHF.WRITE | SHF.ALLOC)) !== 0n && s.type === SHT.NOBITS && s.size > LIVEPATCH_MAX_SIZE) {
    return new Refusal(Errno.EINVAL, `${check}: NOBITS section over 2 MiB`, `${check}: ${where}`);
  }
  return undefined;
}

/** elf_verify_strtab: a non-empty STRTAB whose first and last bytes are NUL. */
function verifyStringTable(raw: UploadBytes, s: Section): boolean {
  if (s.type !== SHT.STRTAB || s.size === 0n) return false;
  return raw.u8(s.offset) === 0 && raw.u8(s.offset + s.size - 1n) === 0;
}

export function readSectionTable(raw: UploadBytes, header: ElfHeader, rules: LoaderRules): SectionTable | Refusal {
  const check = 'elf_resolve_sections';
  const length = BigInt(raw.length);
  const sections: Section[] = [];
  let symtab: Section | undefined;
  for (let i = 1; i < header.shnum; i++) {
    const s = readHeader(raw, header, i);
    const refusal = checkSection(s, length, rules);
    if (refusal) return refusal;
    if (s.type === SHT.SYMTAB) {
      if (symtab) return new Refusal(Errno.EOPNOTSUPP, `${check}: more than one symbol table`, `${check}: sections ${symtab.index} and ${i}`);
      symtab = s;
      if (s.link >= header.shnum) return new Refusal(Errno.EINVAL, `${check}: symbol table links past the sections`, `${check}: sh_link ${s.link}`);
    }
    sections[i] = s;
  }
  if (!symtab) return new Refusal(Errno.EINVAL, `${check}: no symbol table`);
  if (symtab.size === 0n || symtab.entsize < ELF64_SYM_SIZE || symtab.size % symtab.entsize !== 0n) {
    return new Refusal(Errno.EINVAL, `${check}: symbol table header corrupted`, `${check}: sh_size ${symtab.size}, sh_entsize ${symtab.entsize}`);
  }
  const strtab = sectionAt({ sections }, symtab.link);
  if (!verifyStringTable(raw, strtab)) return new Refusal(Errno.EINVAL, `${check}: string table corrupted`, `${check}: section ${strtab.index}`);
  return nameSections(raw, header, sections, symtab.index, strtab.index);
}

/** elf_resolve_section_names: every name must start inside the (verified) section-name table. */
function nameSections(raw: UploadBytes, header: ElfHeader, unnamed: Section[], symtabIndex: number, strtabIndex: number): SectionTable | Refusal {
  const check = 'elf_resolve_section_names';
  const names = sectionAt({ sections: unnamed }, header.shstrndx);
  if (!verifyStringTable(raw, names)) return new Refusal(Errno.EINVAL, `${check}: section name table corrupted`, `${check}: section ${names.index}`);
  const sections: Section[] = [];
  for (let i = 1; i < header.shnum; i++) {
    const s = unnamed[i] as Section;
    const nameOffset = BigInt(raw.u32(header.shoff + BigInt(i * header.shentsize)));
    if (nameOffset >= names.size) {
      return new Refusal(Errno.EINVAL, `${check}: name not within the section name table`, `${check}: section ${i} sh_name ${nameOffset}`);
    }
    sections[i] = { ...s, name: raw.name(names.offset + nameOffset) };
  }
  return { shnum: header.shnum, sections, symtab: sections[symtabIndex] as Section, strtab: sections[strtabIndex] as Section };
}

/**
 * The payload's symbols as Xen reads them (livepatch_elf.c elf_get_sym): entry 0 is skipped, every
 * other name must start inside the symbol string table. Entries are sh_entsize apart, as in Xen,
 * which accepts entries larger than an Elf64_Sym.
 */
import { Errno } from '../../../model/errno.js';
import { Refusal } from './refusal.js';
import type { SectionTable } from './section-table.js';
import type { UploadBytes } from './upload-bytes.js';
import { FREE_MEMORY } from './xen-limits.js';

/** sizeof(struct livepatch_elf_sym): what Xen allocates per symbol. */
const ELF_SYM_IN_XEN = 24n;

export const SHN = { UNDEF: 0, LORESERVE: 0xff00, ABS: 0xfff1, COMMON: 0xfff2 } as const;

export interface ElfSymbol {
  /** See UploadBytes.name: cut names end with a mark and match nothing. */
  readonly name: string;
  readonly shndx: number;
  readonly value: bigint;
}

export interface SymbolTable {
  /** Symbols 1 to nsym - 1 at their index; index 0 (STN_UNDEF) is a hole, as in Xen. */
  readonly symbols: readonly ElfSymbol[];
  readonly count: number;
}

export function readSymbols(raw: UploadBytes, table: SectionTable): SymbolTable | Refusal {
  const { symtab, strtab } = table;
  // nsym is an unsigned int. Only a symbol table whose end wraps around 2^64 (which Xen's bounds
  // check lets through) can claim more entries than the upload holds: Xen then fails to allocate
  // them, or reads past its buffer (a XenFault below).
  const count = Number((symtab.size / symtab.entsize) & 0xffffffffn);
  if (BigInt(count) * ELF_SYM_IN_XEN > FREE_MEMORY) {
    return new Refusal(Errno.ENOMEM, 'elf_get_sym: no memory for the symbols', `elf_get_sym: ${count} symbols`);
  }
  const symbols: ElfSymbol[] = [];
  for (let i = 1; i < count; i++) {
    const at = symtab.offset + symtab.entsize * BigInt(i);
    const nameOffset = BigInt(raw.u32(at));
    if (nameOffset >= strtab.size) {
      return new Refusal(Errno.EINVAL, 'elf_get_sym: name not within the string table', `elf_get_sym: symbol ${i} st_name ${nameOffset}`);
    }
    symbols[i] = { name: raw.name(strtab.offset + nameOffset), shndx: raw.u16(at + 6n), value: raw.u64(at + 8n) };
  }
  return { symbols, count };
}

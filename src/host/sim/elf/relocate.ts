/**
 * The relocations, applied as Xen applies them (livepatch_elf.c livepatch_elf_perform_relocs and
 * x86's arch_livepatch_perform_rela): every RELA section in index order whose target section is
 * allocated, entries in order, each write going into the payload's memory. Xen refuses REL
 * sections, relocations without a symbol or against a symbol it did not resolve, writes past the
 * target section, PC-relative values that do not fit 32 bits, and any type but NONE, 64, PC32 and
 * PLT32.
 */
import { Errno } from '../../../model/errno.js';
import type { Layout } from './load-layout.js';
import type { PayloadMemory } from './payload-memory.js';
import { Refusal } from './refusal.js';
import type { ResolvedSymbols } from './resolve-symbols.js';
import { SHF, SHT, sectionAt, type Section, type SectionTable } from './section-table.js';
import type { SymbolTable } from './symbol-table.js';
import type { UploadBytes } from './upload-bytes.js';

const R_X86_64 = { NONE: 0, R64: 1, PC32: 2, PLT32: 4 } as const;
const RELA_SIZE = 24n;
const REL_SIZE = 16n;
const U64 = (1n << 64n) - 1n;

const littleEndian = (value: bigint, width: number): Uint8Array => {
  const bytes = new Uint8Array(width);
  for (let i = 0; i < width; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return bytes;
};

interface Relocating {
  readonly raw: UploadBytes;
  readonly symbols: SymbolTable;
  readonly resolved: ResolvedSymbols;
  readonly memory: PayloadMemory;
  readonly layout: Layout;
}

export function performRelocations(table: SectionTable, work: Relocating): Refusal | undefined {
  const check = 'livepatch_elf_perform_relocs';
  for (const r of table.sections) {
    if (r === undefined || (r.type !== SHT.RELA && r.type !== SHT.REL)) continue;
    if (r.info >= table.shnum) continue;
    const base = sectionAt(table, r.info);
    if ((base.flags & SHF.ALLOC) === 0n) continue;
    if (r.link !== table.symtab.index) {
      return new Refusal(Errno.EINVAL, `${check}: relocations not linked to the symbol table`, `${check}: section ${r.index} sh_link ${r.link}`);
    }
    if (r.size === 0n) continue;
    const entrySize = r.type === SHT.RELA ? RELA_SIZE : REL_SIZE;
    if (r.entsize < entrySize || r.size % r.entsize !== 0n) {
      return new Refusal(Errno.EINVAL, `${check}: relocation section header corrupted`, `${check}: section ${r.index} sh_entsize ${r.entsize}`);
    }
    if (r.type === SHT.REL) return new Refusal(Errno.EOPNOTSUPP, 'arch_livepatch_perform_rel: REL relocations', `${check}: section ${r.index}`);
    const refusal = relocateSection(r, base, work);
    if (refusal) return refusal;
  }
  return undefined;
}

function relocateSection(rela: Section, base: Section, { raw, symbols, resolved, memory, layout }: Relocating): Refusal | undefined {
  const check = 'arch_livepatch_perform_rela';
  // A target Xen did not load (empty, before 4.17) has a NULL load address.
  const baseAddress = layout.addresses.get(base.index) ?? 0n;
  const count = rela.size / rela.entsize;
  for (let i = 0n; i < count; i++) {
    const at = rela.offset + i * rela.entsize;
    const offset = raw.u64(at);
    const info = raw.u64(at + 8n);
    const addend = raw.u64(at + 16n);
    const symbol = Number(info >> 32n);
    const type = Number(info & 0xffffffffn);
    const which = `${check}: relocation ${i} of section ${rela.index} (type ${type}, symbol ${symbol}, offset ${offset})`;
    if (symbol === 0) return new Refusal(Errno.EOPNOTSUPP, `${check}: relocation against STN_UNDEF`, which);
    if (symbol >= symbols.count) return new Refusal(Errno.EINVAL, `${check}: symbol past the symbol table`, which);
    if (resolved.ignored.has(symbol)) return new Refusal(Errno.EINVAL, `${check}: symbol of an unloaded section`, which);
    const value = (addend + (resolved.values[symbol] ?? 0n)) & U64;
    const dest = (baseAddress + offset) & U64;
    const fits = (width: bigint): boolean => offset < base.size && ((offset + width) & U64) <= base.size;
    switch (type) {
      case R_X86_64.NONE:
        break;
      case R_X86_64.R64:
        if (!fits(8n)) return new Refusal(Errno.EINVAL, `${check}: offset past the target section`, which);
        memory.write(dest, littleEndian(value, 8));
        break;
      case R_X86_64.PLT32:
      case R_X86_64.PC32: {
        if (!fits(4n)) return new Refusal(Errno.EINVAL, `${check}: offset past the target section`, which);
        const relative = (value - dest) & U64;
        memory.write(dest, littleEndian(relative, 4));
        // Xen compares the 64-bit value with what the 32-bit field holds, sign-extended.
        const signed = relative >= 1n << 63n ? relative - (1n << 64n) : relative;
        if (signed < -(1n << 31n) || signed >= 1n << 31n) return new Refusal(Errno.EOVERFLOW, `${check}: PC-relative value overflows`, which);
        break;
      }
      default:
        return new Refusal(Errno.EOPNOTSUPP, `${check}: unhandled relocation type`, which);
    }
  }
  return undefined;
}

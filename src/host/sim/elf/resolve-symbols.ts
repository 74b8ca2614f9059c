/**
 * Symbol values as Xen resolves them (livepatch_elf.c livepatch_elf_resolve_symbols), stopping at
 * the first symbol it cannot resolve: an undefined one is looked up by name in Xen, a defined one
 * moves with its section's load address, an absolute one stays. A symbol of a section Xen did not
 * load keeps its value; from 4.17 it is also marked, and relocations against it are refused.
 */
import { Errno } from '../../../model/errno.js';
import { xenSymbolAddress } from '../xen-addresses.js';
import type { Layout } from './load-layout.js';
import { Refusal } from './refusal.js';
import { sectionAt, type SectionTable } from './section-table.js';
import { SHN, type SymbolTable } from './symbol-table.js';
import type { LoaderRules } from './xen-rules.js';

const U64 = (1n << 64n) - 1n;

export interface ResolvedSymbols {
  /** Resolved st_value by symbol index (index 0 is a hole). */
  readonly values: readonly bigint[];
  /** Symbols of sections Xen did not load, which relocations may not use (4.17+). */
  readonly ignored: ReadonlySet<number>;
}

export function resolveSymbols(symbols: SymbolTable, table: SectionTable, layout: Layout, rules: LoaderRules): ResolvedSymbols | Refusal {
  const check = 'livepatch_elf_resolve_symbols';
  const values: bigint[] = [];
  const ignored = new Set<number>();
  for (let i = 1; i < symbols.count; i++) {
    const sym = symbols.symbols[i];
    if (sym === undefined) continue;
    const which = `${check}: symbol ${i} in section ${sym.shndx}`;
    switch (sym.shndx) {
      case SHN.COMMON:
        return new Refusal(Errno.EINVAL, `${check}: common symbol`, which);
      case SHN.UNDEF: {
        const address = xenSymbolAddress(sym.name);
        if (address === undefined) return new Refusal(Errno.ENOENT, `${check}: unknown undefined symbol`, which);
        values[i] = address;
        break;
      }
      case SHN.ABS:
        values[i] = sym.value;
        break;
      default: {
        if (sym.shndx >= SHN.LORESERVE) return new Refusal(Errno.EOPNOTSUPP, `${check}: reserved section index`, which);
        if (sym.shndx >= table.shnum) return new Refusal(Errno.EINVAL, `${check}: section index past the sections`, which);
        // Only loaded sections have an address.
        const address = layout.addresses.get(sectionAt(table, sym.shndx).index);
        if (address === undefined) {
          if (rules.refusesUnloadedSymbols) ignored.add(i);
          values[i] = sym.value;
        } else {
          values[i] = (sym.value + address) & U64;
        }
      }
    }
  }
  return { values, ignored };
}

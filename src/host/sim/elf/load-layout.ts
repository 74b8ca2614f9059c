/**
 * Where Xen puts each section in memory (livepatch.c move_payload and calc_section): allocated
 * sections go to one of three regions, text (executable), rw (writable) and ro, each laid out in
 * index order at the section's sh_addralign; the rw and text regions are page-aligned. A section
 * both writable and executable is refused. Xen's arithmetic is kept, wrap-arounds included:
 * sizes are size_t (mod 2^64), offsets unsigned int, and an alignment of 0 rounds to 0, so such a
 * section lands at the start of its region and restarts the region's size.
 *
 * It also decides Xen's safe_to_reapply: whether the payload may be applied again after a revert.
 */
import { Errno } from '../../../model/errno.js';
import { PAYLOAD_AREA } from '../xen-addresses.js';
import { Refusal } from './refusal.js';
import { SHF, SHT, isAllocated, type Section, type SectionTable } from './section-table.js';
import { ELF_LIVEPATCH_FUNC } from './special-sections.js';
import type { LoaderRules } from './xen-rules.js';
import { FREE_MEMORY, PAGE_SIZE } from './xen-limits.js';
import { XenFault } from './xen-fault.js';

const U64 = (1n << 64n) - 1n;
const U32 = (1n << 32n) - 1n;

interface Placement {
  readonly section: Section;
  readonly address: bigint;
}

export interface Layout {
  /** Load address of each loaded section, by index; a section Xen does not load has none (NULL). */
  readonly addresses: ReadonlyMap<number, bigint>;
  /** Loaded sections in the order Xen copies them (index order): later copies win where they overlap. */
  readonly placements: readonly Placement[];
  /** The payload's memory: [start, end), whole pages. */
  readonly start: bigint;
  readonly end: bigint;
  readonly safeToReapply: boolean;
}

type Region = 'text' | 'rw' | 'ro';

/** livepatch_elf_ignore_section, plus the empty sections Xen skipped before 4.17. */
const isLoaded = (s: Section, rules: LoaderRules): boolean => isAllocated(s) && (rules.loadsEmptySections || s.size !== 0n);

const roundUp = (value: bigint, align: bigint): bigint => (value + align - 1n) & ~(align - 1n) & U64;
const pageAlign = (value: bigint): bigint => roundUp(value, PAGE_SIZE);

function regionOf(s: Section): Region | undefined {
  const exec = (s.flags & SHF.EXECINSTR) !== 0n;
  const write = (s.flags & SHF.WRITE) !== 0n;
  if (exec && write) return undefined;
  return exec ? 'text' : write ? 'rw' : 'ro';
}

export function layOut(table: SectionTable, rules: LoaderRules, uploadLength: number): Layout | Refusal {
  const sizes: Record<Region, bigint> = { text: 0n, rw: 0n, ro: 0n };
  const offsets: Array<[Section, Region, bigint]> = [];
  for (const s of table.sections) {
    if (s === undefined || !isLoaded(s, rules)) continue;
    const region = regionOf(s);
    if (region === undefined) {
      return new Refusal(Errno.EOPNOTSUPP, 'move_payload: section both writable and executable', `move_payload: section ${s.index}`);
    }
    const aligned = roundUp(sizes[region], s.addralign);
    offsets.push([s, region, aligned & U32]);
    sizes[region] = (s.size + aligned) & U64;
  }
  const total = (pageAlign(sizes.text) + pageAlign(sizes.rw) + sizes.ro) & U64;
  const pages = pageAlign(total) / PAGE_SIZE;
  if (pages * PAGE_SIZE > FREE_MEMORY) {
    return new Refusal(Errno.ENOMEM, 'move_payload: no memory for the payload', `move_payload: ${pages} pages`);
  }
  const base: Record<Region, bigint> = {
    text: PAYLOAD_AREA,
    rw: PAYLOAD_AREA + pageAlign(sizes.text),
    ro: PAYLOAD_AREA + pageAlign(sizes.text) + pageAlign(sizes.rw),
  };
  const placements = offsets.map(([section, region, offset]) => ({ section, address: base[region] + offset }));
  const end = PAYLOAD_AREA + pages * PAGE_SIZE;
  for (const { section, address } of placements) {
    // Only sizes that wrapped around in Xen's arithmetic get here: Xen copies past its allocation,
    // or past the upload for a section whose end wrapped around.
    const copiesFromUpload = section.type !== SHT.NOBITS;
    if (address + section.size > end || (copiesFromUpload && section.offset + section.size > BigInt(uploadLength))) {
      throw new XenFault(`move_payload copying section ${section.index} past its buffers`);
    }
  }
  return {
    addresses: new Map(placements.map((p) => [p.section.index, p.address])),
    placements,
    start: PAYLOAD_AREA,
    end,
    safeToReapply: safeToReapply(placements, rules),
  };
}

/** Only one non-empty writable section, .livepatch.funcs; or (4.10+) none at all. */
function safeToReapply(placements: readonly Placement[], rules: LoaderRules): boolean {
  const writable = placements.filter(({ section: s }) => regionOf(s) === 'rw' && s.size !== 0n);
  if (writable.length === 0) return rules.reappliesReadOnly;
  return writable.length === 1 && writable[0]?.section.name === ELF_LIVEPATCH_FUNC;
}

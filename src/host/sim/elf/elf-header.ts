/**
 * The ELF header checks Xen makes before it looks at any section (livepatch_elf.c
 * livepatch_header_check, with x86's arch_livepatch_verify_elf in the middle), in Xen's order.
 * Xen checks the identity fields before the machine, and the section header table only last.
 */
import { Errno } from '../../../model/errno.js';
import { Refusal } from './refusal.js';
import type { UploadBytes } from './upload-bytes.js';

export const ELF_HEADER_SIZE = 64;
export const SECTION_HEADER_SIZE = 64;
/** "Arbitrary boundary limit" in Xen: 1024 sections or more are refused. */
const MAX_SECTIONS = 1024;

/** The values Xen accepts, by their names in xen/include/xen/elfstructs.h. */
const WANTED = { EV_CURRENT: 1, ELFOSABI_NONE: 0, ELFOSABI_FREEBSD: 9, ET_REL: 1, EM_X86_64: 62, ELFCLASS64: 2, ELFDATA2LSB: 1 } as const;

export interface ElfHeader {
  readonly shoff: bigint;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

const isElf = (raw: UploadBytes): boolean =>
  raw.u8(0n) === 0x7f && raw.u8(1n) === 0x45 && raw.u8(2n) === 0x4c && raw.u8(3n) === 0x46;

export function checkElfHeader(raw: UploadBytes): ElfHeader | Refusal {
  const check = 'livepatch_header_check';
  if (raw.length < ELF_HEADER_SIZE) {
    return new Refusal(Errno.EINVAL, `${check}: shorter than an ELF header`, `${check}: ${raw.length} bytes`);
  }
  if (!isElf(raw)) return new Refusal(Errno.EINVAL, `${check}: not ELF`);
  const osabi = raw.u8(7n);
  const identity =
    raw.u32(0x14n) === WANTED.EV_CURRENT &&
    raw.u8(6n) === WANTED.EV_CURRENT &&
    raw.u8(8n) === 0 &&
    (osabi === WANTED.ELFOSABI_NONE || osabi === WANTED.ELFOSABI_FREEBSD) &&
    raw.u16(0x10n) === WANTED.ET_REL &&
    raw.u16(0x38n) === 0;
  if (!identity) return new Refusal(Errno.EOPNOTSUPP, `${check}: invalid ELF payload (version, OS ABI, type or program headers)`);
  if (raw.u16(0x12n) !== WANTED.EM_X86_64 || raw.u8(4n) !== WANTED.ELFCLASS64 || raw.u8(5n) !== WANTED.ELFDATA2LSB) {
    return new Refusal(Errno.EOPNOTSUPP, 'arch_livepatch_verify_elf: not x86-64 ELF64 little-endian');
  }
  const header: ElfHeader = { shoff: raw.u64(0x28n), shentsize: raw.u16(0x3an), shnum: raw.u16(0x3cn), shstrndx: raw.u16(0x3en) };
  const numbers = `${check}: e_shoff ${header.shoff}, e_shentsize ${header.shentsize}, e_shnum ${header.shnum}, e_shstrndx ${header.shstrndx}`;
  if (header.shstrndx === 0) return new Refusal(Errno.EINVAL, `${check}: section name index undefined`, numbers);
  if (header.shnum >= MAX_SECTIONS) return new Refusal(Errno.EOPNOTSUPP, `${check}: too many sections`, numbers);
  if (header.shstrndx >= header.shnum) return new Refusal(Errno.EINVAL, `${check}: section name index past the sections`, numbers);
  const length = BigInt(raw.length);
  if (header.shoff >= length) return new Refusal(Errno.EINVAL, `${check}: bogus e_shoff`, numbers);
  if (header.shentsize < SECTION_HEADER_SIZE) return new Refusal(Errno.EINVAL, `${check}: section headers too small`, numbers);
  // Xen divides what is left after e_shoff: the table may start anywhere, even inside the ELF header.
  if ((length - header.shoff) / BigInt(header.shentsize) < BigInt(header.shnum)) {
    return new Refusal(Errno.EINVAL, `${check}: section header table past the end`, numbers);
  }
  return header;
}

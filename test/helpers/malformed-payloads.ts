/**
 * Hand-made malformed ELF files, most of them a real payload (built by mkpayload.sh) with one field
 * corrupted, each with the one-line message xlp's reader gives and the errno Xen gives for it
 * (test/unit/payload-malformed.test.ts). The simulator's differential test runs them too.
 */
import { readElf, type ElfFile } from '../../src/payload/elf.js';
import { EHDR, buildElf, gnuNote, patchSection, patched } from './payloads.js';

const EOPNOTSUPP = 95;

export interface MalformedCase {
  readonly label: string;
  readonly bytes: () => Uint8Array;
  readonly message: RegExp;
  readonly errno?: number;
}

/** The cases, built lazily from the pristine payload `real()` gives (usually read in a beforeAll). */
export function malformedCases(real: () => Uint8Array): MalformedCase[] {
  let layout: ElfFile | undefined;
  const elf = (): ElfFile => (layout ??= readElf(real()));
  const index = (name: string): number => elf().sections.find((s) => s.name === name)!.index;
  // Where things are in the pristine payload (its reading is checked against readelf elsewhere).
  const section = (name: string) => elf().sections[index(name)]!;

  const withByte = (at: number, value: number) => () => patched(real(), at, value, 1);
  const withHeader = (field: keyof typeof EHDR, value: number | bigint, width: 2 | 8 = 2) => () =>
    patched(real(), EHDR[field], value, width);

  return [
    { label: 'an empty buffer', bytes: () => new Uint8Array(), message: /^the payload is empty \(0 bytes\)$/ },
    { label: 'a text file', bytes: () => Buffer.from('#!/bin/sh\necho hi\n'), message: /^not an ELF file: it starts with bytes 23 21 2f 62, not 7f 45 4c 46$/ },
    { label: 'three bytes of ELF magic', bytes: () => real().subarray(0, 3), message: /^the file is 3 bytes, too short for the 64-byte ELF header$/ },
    { label: 'a header cut at 40 bytes', bytes: () => real().subarray(0, 40), message: /^the file is 40 bytes, too short for the 64-byte ELF header$/ },
    { label: 'a 32-bit ELF', bytes: withByte(EHDR.class, 1), message: /^a 32-bit ELF file \(ELFCLASS32\): .*64-bit ELF file$/, errno: EOPNOTSUPP },
    { label: 'an unknown ELF class', bytes: withByte(EHDR.class, 7), message: /^an ELF file of unknown class 7/, errno: EOPNOTSUPP },
    { label: 'a big-endian ELF', bytes: withByte(EHDR.data, 2), message: /^a big-endian ELF file \(ELFDATA2MSB\): .*little-endian$/, errno: EOPNOTSUPP },
    { label: 'no sections', bytes: withHeader('shnum', 0), message: /^the ELF header declares no sections \(e_shnum is 0\)$/ },
    { label: 'a huge section count', bytes: withHeader('shnum', 60000), message: /^the ELF header declares 60000 sections; Xen accepts at most 1023$/, errno: EOPNOTSUPP },
    { label: 'more section headers than the file holds', bytes: withHeader('shnum', 1000), message: /^the section header table \(1000 entries of 64 bytes from byte \d+\) ends at byte \d+, past the end of the \d+-byte file$/ },
    { label: 'no section-name table index', bytes: withHeader('shstrndx', 0), message: /^the ELF header names no section-name string table \(e_shstrndx is 0\)$/ },
    { label: 'a section-name index out of range', bytes: withHeader('shstrndx', 200), message: /^the section-name string table index 200 is past the last of the 16 sections$/ },
    { label: 'short section headers', bytes: withHeader('shentsize', 40), message: /^section headers are 40 bytes; ELF64 needs at least 64$/ },
    { label: 'a section header table past the end', bytes: withHeader('shoff', 999_999n, 8), message: /^the section header table starts at byte 999999, past the end of the 2\d{3}-byte file$/ },
    { label: 'an absurd section header offset', bytes: withHeader('shoff', 1n << 63n, 8), message: /^the section header table starts at byte 9223372036854775808, past the end/ },
    { label: 'a section header table inside the ELF header', bytes: withHeader('shoff', 8n, 8), message: /^the section header table starts at byte 8, inside the ELF header$/ },
    { label: 'a file truncated in its section headers', bytes: () => real().subarray(0, real().length - 100), message: /^the section header table \(16 entries .*past the end of the \d+-byte file$/ },
    {
      label: 'a section whose data runs past the end',
      bytes: () => patchSection(real(), index('.livepatch.funcs'), 'offset', 9000),
      message: /^section 8 \(\.livepatch\.funcs\) ends at byte 9104, past the end of the \d+-byte file$/,
    },
    {
      label: 'a section with a huge size',
      bytes: () => patchSection(real(), index('.comment'), 'size', 1n << 62n),
      message: /^section \d+ \(\.comment\) ends at byte \d{19}, past the end of the \d+-byte file$/,
    },
    {
      label: 'a section inside the ELF header',
      bytes: () => patchSection(real(), index('.text'), 'offset', 16),
      message: /^section 2 \(\.text\) starts at byte 16, inside the ELF header$/,
    },
    {
      label: 'two overlapping sections',
      bytes: () => patchSection(real(), index('.livepatch.funcs'), 'offset', section('.text').offset + 4),
      message: /^section 2 \(\.text\) \(bytes \d+-\d+\) and section 8 \(\.livepatch\.funcs\) \(bytes \d+-\d+\) overlap$/,
    },
    {
      label: 'a section over the section header table',
      bytes: () => patchSection(real(), index('.comment'), 'offset', elf().header.shoff),
      message: /^section 11 \(\.comment\) \(bytes \d+-\d+\) and the section header table \(bytes \d+-\d+\) overlap$/,
    },
    {
      label: 'a section name outside the name table',
      bytes: () => patchSection(real(), index('.livepatch.funcs'), 'name', 5000),
      message: /^section 8 has its name at byte 5000, past the end of the \d+-byte section-name string table$/,
    },
    {
      label: 'a section aligned to 3 bytes',
      bytes: () => patchSection(real(), index('.text'), 'addralign', 3),
      message: /^section 2 \(\.text\) has an alignment of 3, not a power of two$/,
      errno: EOPNOTSUPP,
    },
    {
      label: 'a section at an address off its alignment',
      bytes: () => patchSection(real(), index('.text'), 'addr', 4),
      message: /^section 2 \(\.text\) has address 4, not a multiple of its alignment 16$/,
    },
    {
      label: 'an executable whose section headers run past the end',
      bytes: () => patched(withHeader('shnum', 1000)(), EHDR.type, 2, 2),
      message: /^the section header table \(1000 entries .* past the end of the \d+-byte file, and the ELF type is 2, not 1 .*; Xen refuses it$/,
      errno: EOPNOTSUPP,
    },
    {
      label: 'a section-name table that is not a string table',
      bytes: () => patchSection(real(), index('.shstrtab'), 'type', 1),
      message: /^the section-name string table \(section 15\) is not a string table \(its type is 1\)$/,
    },
    {
      label: 'a section-name table without its final NUL',
      bytes: () => patched(real(), section('.shstrtab').offset + section('.shstrtab').size - 1, 0x41, 1),
      message: /^the section-name string table \(section 15\) does not end with a NUL byte$/,
    },
    {
      label: 'a section-name table not starting with NUL',
      bytes: () => patched(real(), section('.shstrtab').offset, 0x41, 1),
      message: /^the section-name string table \(section 15\) does not start with a NUL byte$/,
    },
    {
      label: 'an empty section-name table',
      bytes: () => patchSection(real(), index('.shstrtab'), 'size', 0),
      message: /^the section-name string table \(section 15\) is empty$/,
    },
    {
      label: 'a symbol string table without its final NUL',
      bytes: () => patched(real(), section('.strtab').offset + section('.strtab').size - 1, 0x41, 1),
      message: /^the string table of symbol table section 13 \(\.symtab\) \(section 14 \(\.strtab\)\) does not end with a NUL byte$/,
    },
    {
      label: 'a symbol name outside its string table',
      bytes: () => patched(real(), section('.symtab').offset + 13 * 24, 4000, 4),
      message: /^symbol 13 of section 13 \(\.symtab\) has its name at byte 4000, past the end of its \d+-byte string table$/,
    },
    {
      label: 'symbols of 8 bytes',
      bytes: () => patchSection(real(), index('.symtab'), 'entsize', 8),
      message: /^symbol table section 13 \(\.symtab\) has 8-byte entries; ELF64 needs at least 24$/,
    },
    {
      label: 'a symbol table that is not whole entries',
      bytes: () => patchSection(real(), index('.symtab'), 'size', section('.symtab').size - 5),
      message: /^symbol table section 13 \(\.symtab\) is \d+ bytes, not a whole number of 24-byte entries$/,
    },
    {
      label: 'a symbol table linked to a missing string table',
      bytes: () => patchSection(real(), index('.symtab'), 'link', 99),
      message: /^symbol table section 13 \(\.symtab\) links to string table 99, which does not exist$/,
    },
    {
      label: 'relocations with a zero entry size',
      bytes: () => patchSection(real(), index('.rela.livepatch.funcs'), 'entsize', 0),
      message: /^relocation section section 9 \(\.rela\.livepatch\.funcs\) has 0-byte entries; ELF64 needs 24$/,
    },
    {
      label: 'relocations that are not whole entries',
      bytes: () => patchSection(real(), index('.rela.livepatch.funcs'), 'size', 30),
      message: /^relocation section section 9 \(\.rela\.livepatch\.funcs\) is 30 bytes, not a whole number of 24-byte entries$/,
    },
    {
      label: 'a build-id note with a lying descriptor size',
      bytes: () => patched(real(), section('.note.gnu.build-id').offset + 4, 4096, 4),
      message: /^note 1 in section 1 \(\.note\.gnu\.build-id\) claims a 4096-byte descriptor but only 20 bytes follow its name$/,
    },
    {
      label: 'a depends note with a lying name size',
      bytes: () => patched(real(), section('.livepatch.depends').offset, 1000, 4),
      message: /^note 1 in section 5 \(\.livepatch\.depends\) claims a 1000-byte name but only 24 bytes follow its header$/,
    },
    {
      label: 'a note with a 4 GiB descriptor',
      bytes: () => patched(real(), section('.livepatch.xen_depends').offset + 4, 0xffffffff, 4),
      message: /^note 1 in section 6 \(\.livepatch\.xen_depends\) claims a 4294967295-byte descriptor/,
    },
    {
      label: 'a huge NOBITS descriptor section',
      bytes: () => patchSection(patchSection(real(), index('.livepatch.funcs'), 'type', 8), index('.livepatch.funcs'), 'size', 3_000_000_000),
      message: /^section 8 \(\.livepatch\.funcs\) is a 3000000000-byte NOBITS section; xlp reads at most 2097152$/,
    },
    {
      label: 'stray bytes after a note',
      bytes: () => buildElf([{ name: '.note.gnu.build-id', type: 7, flags: 2, data: Uint8Array.from([...gnuNote(Uint8Array.of(1, 2, 3, 4)), 9, 9]) }]),
      message: /^section 1 \(\.note\.gnu\.build-id\) ends with 2 stray bytes after note 1, too few for a note header$/,
    },
    {
      label: 'more symbols than xlp reads',
      bytes: () => buildElf([{ name: '.symtab', type: 2, data: new Uint8Array(((1 << 18) + 1) * 24), link: 2, entsize: 24 }, { name: '.strtab', type: 3, data: Uint8Array.of(0) }]),
      message: /^symbol table section 1 \(\.symtab\) has 262145 entries; xlp reads at most 262144$/,
    },
    {
      label: 'a misplaced section with an unprintable name',
      bytes: () => patchSection(buildElf([{ name: '\x1b[31m\n', type: 1, data: Uint8Array.of(1) }]), 1, 'offset', 0),
      message: /^section 1 \(\\x1b\[31m\\x0a\) starts at byte 0, inside the ELF header$/,
    },
  ];
}


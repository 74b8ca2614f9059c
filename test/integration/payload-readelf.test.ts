/**
 * Differential test: xlp's ELF reader and payload model against binutils readelf, on every kind of
 * payload the builder makes. readelf's text is parsed here and compared field by field.
 */
import { readFile } from 'node:fs/promises';

import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

import { readElf, type ElfFile } from '../../src/payload/elf.js';
import { readRelas, readSymbols } from '../../src/payload/elf-tables.js';
import { parsePayload } from '../../src/payload/parse.js';
import type { PayloadInfo } from '../../src/payload/types.js';
import { TEST_XEN_BUILD_ID, buildPayload, type PayloadOptions } from '../helpers/payloads.js';

const SECTION_TYPES: Record<string, number> = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOTE: 7, NOBITS: 8, REL: 9 };
const FLAG_LETTERS: Array<[string, number]> = [
  ['W', 0x1], ['A', 0x2], ['X', 0x4], ['M', 0x10], ['S', 0x20], ['I', 0x40], ['L', 0x80],
  ['O', 0x100], ['G', 0x200], ['T', 0x400], ['C', 0x800], ['E', 0x80000000],
];
const SYMBOL_TYPES: Record<string, number> = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 };
const SYMBOL_BINDS: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2 };
const SPECIAL_NDX: Record<string, number> = { UND: 0, ABS: 0xfff1, COM: 0xfff2 };

const letters = (flags: number): string =>
  FLAG_LETTERS.filter(([, bit]) => (flags & bit) !== 0).map(([l]) => l).sort().join('');

async function readelf(...args: string[]): Promise<string> {
  return (await execa('readelf', args, { env: { LC_ALL: 'C' } })).stdout;
}

/** `readelf -x SECTION` hex dump back to bytes. */
async function sectionDump(path: string, section: string): Promise<Uint8Array> {
  const out = await readelf('-x', section, path);
  const words = out
    .split('\n')
    .filter((l) => /^\s+0x[0-9a-f]{8} /.test(l))
    .flatMap((l) => l.trim().slice(11, 46).trim().split(/\s+/));
  return Uint8Array.from(Buffer.from(words.join(''), 'hex'));
}

interface Fixture {
  readonly label: string;
  readonly options: PayloadOptions;
}

const FIXTURES: Fixture[] = [
  { label: 'plain', options: {} },
  { label: 'stacked', options: { id: 'second', depends: '9ba2b65ea5208ada90569848a4825292ec311bd8', returns: '-two' } },
  { label: 'with modinfo', options: { id: 'meta', modinfo: ['XSA=999', 'VERSION=1', 'NOTE=a b=c'] } },
  { label: 'with hooks', options: { id: 'hooked', hooks: ['load', 'unload', 'preapply', 'postapply', 'prerevert', 'postrevert'] } },
  { label: 'with data', options: { id: 'data', withData: true, func: 'do_xen_version', oldSize: 40 } },
  { label: 'hooks only', options: { id: 'hooksonly', noFuncs: true, hooks: ['preapply'] } },
];

describe.each(FIXTURES)('payload $label, compared with readelf', ({ options }) => {
  let path: string;
  let elf: ElfFile;
  let info: PayloadInfo;

  beforeAll(async () => {
    path = await buildPayload(options);
    const bytes = await readFile(path);
    elf = readElf(bytes);
    info = parsePayload(bytes);
  });

  it('has the same section headers as readelf -SW', async () => {
    const rows = (await readelf('-SW', path))
      .split('\n')
      .map((l) => /^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(rows.length).toBeGreaterThan(10);
    expect(elf.sections).toHaveLength(rows.length);
    for (const m of rows) {
      const s = elf.sections[Number(m[1])]!;
      expect({ name: s.name, type: s.type, offset: s.offset, size: s.size, flags: letters(s.flags) }).toEqual({
        name: m[2],
        type: SECTION_TYPES[m[3]!],
        offset: parseInt(m[5]!, 16),
        size: parseInt(m[6]!, 16),
        flags: m[8]!.split('').sort().join(''),
      });
      expect([s.addr, s.entsize, s.link, s.info, s.addralign]).toEqual([
        BigInt(`0x${m[4]}`), BigInt(`0x${m[7]}`), Number(m[9]), Number(m[10]), BigInt(m[11]!),
      ]);
      if (s.index > 0) expect(info.sections[s.index - 1]).toEqual({ index: s.index, name: s.name, type: s.type, flags: s.flags, offset: s.offset, size: s.size });
    }
  });

  it('reads the build-id readelf -nW reports', async () => {
    const match = /Build ID: ([0-9a-f]+)/.exec(await readelf('-nW', path));
    expect(match).not.toBeNull();
    expect(info.buildId).toBe(match![1]);
  });

  it('reads the depends notes as readelf -x dumps them, holding what the builder was asked for', async () => {
    for (const [section, value, wanted] of [
      ['.livepatch.depends', info.depends, options.depends ?? TEST_XEN_BUILD_ID],
      ['.livepatch.xen_depends', info.xenDepends, TEST_XEN_BUILD_ID],
    ] as const) {
      const dump = await sectionDump(path, section);
      const view = new DataView(dump.buffer);
      expect([view.getUint32(0, true), view.getUint32(4, true), view.getUint32(8, true)]).toEqual([4, wanted.length / 2, 3]);
      expect(Buffer.from(dump.subarray(16, 16 + wanted.length / 2)).toString('hex')).toBe(value);
      expect(value).toBe(wanted);
    }
  });

  it('has the symbols readelf -sW lists', async () => {
    const symtab = elf.sections.find((s) => s.type === 2)!;
    const symbols = readSymbols(elf, symtab);
    const rows = (await readelf('-sW', path))
      .split('\n')
      .map((l) => /^\s*(\d+):\s+([0-9a-f]{16})\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s?(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(symbols).toHaveLength(rows.length);
    for (const m of rows) {
      const sym = symbols[Number(m[1])]!;
      const ndx = SPECIAL_NDX[m[7]!] ?? Number(m[7]);
      // readelf shows a section symbol under its section's name; its own name is empty.
      const name = sym.type === 3 ? elf.sections[sym.shndx]!.name : sym.name;
      expect({ value: sym.value, size: sym.size, type: sym.type, bind: sym.bind, ndx: sym.shndx, name }).toEqual({
        value: BigInt(`0x${m[2]}`), size: BigInt(m[3]!), type: SYMBOL_TYPES[m[4]!], bind: SYMBOL_BINDS[m[5]!], ndx, name: m[8],
      });
    }
  });

  it('has the relocations readelf -rW lists', async () => {
    const expected = (await readelf('-rW', path))
      .split('\n')
      .map((l) => /^([0-9a-f]{16})\s+([0-9a-f]{16})\s+\S+\s+[0-9a-f]{16}\s+.*? ([+-]) ([0-9a-f]+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ offset: BigInt(`0x${m[1]}`), info: BigInt(`0x${m[2]}`), addend: (m[3] === '-' ? -1n : 1n) * BigInt(`0x${m[4]}`) }));
    const ours = elf.sections
      .filter((s) => s.type === 4)
      .flatMap((s) => readRelas(elf, s))
      .map((r) => ({ offset: r.offset, info: (BigInt(r.symbol) << 32n) | BigInt(r.type), addend: r.addend }));
    expect(expected.length).toBeGreaterThan(0);
    expect(ours).toEqual(expected);
  });

  it('models funcs, hooks, modinfo and writable sections as built, with nothing Xen would refuse', async () => {
    expect(info.problems).toEqual([]);
    expect(info.hooks).toEqual(options.hooks ?? []);
    expect(info.writableSections).toEqual(options.withData ? ['.data'] : []);
    if (options.modinfo) {
      const dump = await sectionDump(path, '.modinfo');
      expect(Buffer.from(dump).toString('latin1')).toBe(options.modinfo.map((e) => `${e}\0`).join(''));
      expect(info.modinfo).toEqual(options.modinfo);
    } else {
      expect(info.modinfo).toBeUndefined();
    }
    if (options.noFuncs) {
      expect(info.funcs).toEqual([]);
      return;
    }
    const newFunction = /^\s*\d+:\s+[0-9a-f]{16}\s+(\d+)\s+FUNC\s+GLOBAL\s+\S+\s+\S+\s+xlp_\w+_new$/m.exec(await readelf('-sW', path));
    expect(info.funcs).toEqual([
      { name: options.func ?? 'xen_extra_version', newAddr: 0n, oldAddr: 0n, newSize: Number(newFunction![1]), oldSize: options.oldSize ?? 12, version: 2 },
    ]);
  });
});

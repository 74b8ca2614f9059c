/**
 * What Xen 4.14+ would refuse at upload: readable payloads (real ones from mkpayload.sh, some with
 * one field changed) must come back from parsePayload with `problems` naming each refusal, with
 * Xen's errno, in Xen's order.
 */
import { readFile } from 'node:fs/promises';

import { beforeAll, describe, expect, it } from 'vitest';

import { readElf, type ElfFile } from '../../src/payload/elf.js';
import { parsePayload } from '../../src/payload/parse.js';
import type { PayloadInfo } from '../../src/payload/types.js';
import { EHDR, buildElf, buildPayload, patchSection, patched, sectionField } from '../helpers/payloads.js';

const EINVAL = 22;
const EOPNOTSUPP = 95;
const ENOENT = 2;
const MiB2 = 2 * 1024 * 1024;

let plain: Uint8Array;
let layout: ElfFile;
const section = (name: string, elf = layout) => elf.sections.find((s) => s.name === name)!;
const summary = (info: PayloadInfo) => info.problems.map((p) => [p.code, p.errno]);

async function bytesOf(options: Parameters<typeof buildPayload>[0]): Promise<Uint8Array> {
  return new Uint8Array(await readFile(await buildPayload(options)));
}

beforeAll(async () => {
  plain = await bytesOf({});
  layout = readElf(plain);
});

describe('payloads the builder makes wrong on purpose', () => {
  it('reports old_size 0 (EINVAL)', async () => {
    const info = parsePayload(await bytesOf({ id: 'zero', oldSize: 0 }));
    expect(info.problems).toEqual([{ code: 'func-old-size', errno: EINVAL, message: 'function 0 (xen_extra_version) has old_size 0' }]);
  });

  it('reports an old function too small for the jump Xen writes (EINVAL)', async () => {
    const info = parsePayload(await bytesOf({ id: 'small', oldSize: 3 }));
    expect(info.problems).toEqual([
      { code: 'func-old-size', errno: EINVAL, message: 'function 0 (xen_extra_version) has old_size 3, less than the 5-byte jump Xen writes' },
    ]);
  });

  it('reports a payload with nothing to patch (EINVAL)', async () => {
    const info = parsePayload(await bytesOf({ id: 'empty', noFuncs: true }));
    expect(info.funcs).toEqual([]);
    expect(info.hooks).toEqual([]);
    expect(summary(info)).toEqual([['nothing-to-patch', EINVAL]]);
  });
});

describe('one field changed in a real payload', () => {
  it('reports a wrong machine (EOPNOTSUPP)', () => {
    const info = parsePayload(patched(plain, EHDR.machine, 183, 2));
    expect(info.problems).toEqual([{ code: 'wrong-machine', errno: EOPNOTSUPP, message: 'the payload is built for ELF machine 183, not x86-64 (62)' }]);
  });

  it('reports an executable instead of a relocatable object (EOPNOTSUPP)', () => {
    expect(summary(parsePayload(patched(plain, EHDR.type, 2, 2)))).toEqual([['elf-header', EOPNOTSUPP]]);
    expect(summary(parsePayload(patched(plain, EHDR.phnum, 1, 2)))).toEqual([['elf-header', EOPNOTSUPP]]);
  });

  it('reports a version-1 descriptor in a 104-byte array (EOPNOTSUPP)', () => {
    const info = parsePayload(patched(plain, section('.livepatch.funcs').offset + 32, 1, 1));
    expect(info.problems).toEqual([
      { code: 'func-version', errno: EOPNOTSUPP, message: 'function 0 (xen_extra_version) has descriptor version 1; Xen 4.14+ needs 2' },
    ]);
  });

  it('reads a 64-byte version-1 descriptor (Xen <= 4.13) and reports its size', () => {
    const funcs = section('.livepatch.funcs');
    const v1 = patchSection(patched(plain, funcs.offset + 32, 1, 1), funcs.index, 'size', 64);
    const info = parsePayload(v1);
    expect(info.funcs).toEqual([{ name: 'xen_extra_version', newAddr: 0n, oldAddr: 0n, newSize: 15, oldSize: 12, version: 1 }]);
    expect(info.problems[0]).toEqual({ code: 'funcs-size', errno: EINVAL, message: 'section 8 (.livepatch.funcs) is 64 bytes, not a multiple of 104' });
  });

  it('reports a .modinfo without its final NUL, and keeps its strings', async () => {
    const bytes = await bytesOf({ id: 'meta', modinfo: ['A=1', 'B=2'] });
    const modinfo = section('.modinfo', readElf(bytes));
    const info = parsePayload(patched(bytes, modinfo.offset + modinfo.size - 1, 0x21, 1));
    expect(info.modinfo).toEqual(['A=1', 'B=2!']);
    expect(info.problems).toEqual([{ code: 'modinfo-not-terminated', errno: EINVAL, message: `section ${modinfo.index} (.modinfo) does not end with a NUL byte` }]);
  });

  it('reports a missing .livepatch.depends (EINVAL) and models no depends', () => {
    // Give it the name of .data, by pointing its sh_name where .data's points.
    const dataName = new DataView(plain.buffer).getUint32(sectionField(plain, section('.data').index, 'name').offset, true);
    const renamed = patchSection(plain, section('.livepatch.depends').index, 'name', dataName);
    const info = parsePayload(renamed);
    expect(info.depends).toBeUndefined();
    expect(info.problems[0]).toEqual({ code: 'missing-section', errno: EINVAL, message: 'the payload has no .livepatch.depends section' });
  });

  it('reports an empty .livepatch.xen_depends (EINVAL)', () => {
    const info = parsePayload(patchSection(plain, section('.livepatch.xen_depends').index, 'size', 0));
    expect(info.xenDepends).toBeUndefined();
    expect(summary(info)).toEqual([['empty-section', EINVAL]]);
  });

  it('reports a build-id note of the wrong type (EINVAL) and models no build-id', () => {
    const info = parsePayload(patched(plain, section('.note.gnu.build-id').offset + 8, 1, 4));
    expect(info.buildId).toBeUndefined();
    expect(info.problems).toEqual([
      { code: 'bad-build-id-note', errno: EINVAL, message: 'section 1 (.note.gnu.build-id) holds a note of type 1, not 3 (NT_GNU_BUILD_ID)' },
    ]);
  });

  it('reports a writable and executable section (EOPNOTSUPP)', () => {
    const info = parsePayload(patchSection(plain, section('.text').index, 'flags', 7));
    expect(summary(info)).toEqual([['writable-executable-section', EOPNOTSUPP]]);
  });

  it('reports a relocation type Xen does not handle (EOPNOTSUPP)', () => {
    const rela = section('.rela.livepatch.funcs');
    const info = parsePayload(patched(plain, rela.offset + 8, 10, 4));
    expect(info.problems[0]).toEqual({
      code: 'relocation-type',
      errno: EOPNOTSUPP,
      message: 'relocation 0 of section 9 (.rela.livepatch.funcs) has type 10, which Xen does not handle',
    });
  });

  it('reports a common symbol (EINVAL)', () => {
    const symtab = section('.symtab');
    const info = parsePayload(patched(plain, symtab.offset + 14 * 24 + 6, 0xfff2, 2));
    expect(summary(info)).toEqual([['common-symbol', EINVAL]]);
  });

  it('reports a descriptor whose name cannot be found, checked after the relocations (ENOENT)', () => {
    // R_X86_64_NONE on the name pointer: Xen leaves it NULL and cannot look the function up.
    const info = parsePayload(patched(plain, section('.rela.livepatch.funcs').offset + 8, 0, 4));
    expect(info.funcs[0]!.name).toBe('');
    expect(info.problems).toEqual([{ code: 'func-name', errno: ENOENT, message: 'function 0 has neither an old address nor a readable name to look up' }]);
  });

  it('looks a nameless function up before the architecture checks, as Xen 4.17+ does (ENOENT first)', () => {
    // No name pointer, and an old_size too small for the jump: Xen fails the lookup first.
    const noName = patched(plain, section('.rela.livepatch.funcs').offset + 8, 0, 4);
    const info = parsePayload(patched(noName, section('.livepatch.funcs').offset + 28, 3, 4));
    expect(summary(info)).toEqual([['func-name', ENOENT]]);
  });

  it('ignores the name of symbol 0, which Xen never reads', () => {
    const info = parsePayload(patched(plain, section('.symtab').offset, 0xffff, 4));
    expect(info.problems).toEqual([]);
  });

  it('lists every refusal in the order Xen meets them', () => {
    // A hook section shrunk under its relocation: the relocation fails before the hook size check.
    return bytesOf({ id: 'hook', hooks: ['preapply'] }).then((bytes) => {
      const hook = section('.livepatch.hooks.preapply', readElf(bytes));
      expect(summary(parsePayload(patchSection(bytes, hook.index, 'size', 4)))).toEqual([
        ['relocation-offset', EINVAL],
        ['hook-size', EINVAL],
      ]);
    });
  });

  it('reports a payload without symbol table, and what needs one', () => {
    const info = parsePayload(patchSection(plain, section('.symtab').index, 'type', 1));
    expect(summary(info)).toEqual([
      ['no-symbol-table', EINVAL],
      ['relocation-symbol-table', EINVAL],
      ['func-name', ENOENT],
    ]);
    expect(info.funcs[0]!.name).toBe('');
  });

  it('reports a descriptor section Xen cannot read because it is not allocated', () => {
    const depends = section('.livepatch.depends');
    const info = parsePayload(patchSection(plain, depends.index, 'flags', 0));
    expect(info.problems).toEqual([
      { code: 'section-not-allocated', errno: EINVAL, message: 'section 5 (.livepatch.depends) is not allocated (SHF_ALLOC); Xen cannot read it' },
    ]);
  });
});

describe('the 2 MiB upload limit', () => {
  const padded = (size: number) => Uint8Array.from({ length: size }, (_, i) => plain[i] ?? 0);

  it('accepts exactly 2 MiB', () => {
    expect(parsePayload(padded(MiB2)).problems).toEqual([]);
  });

  it('reports 2 MiB + 1 first (EINVAL)', () => {
    const info = parsePayload(padded(MiB2 + 1));
    expect(info.size).toBe(MiB2 + 1);
    expect(info.problems).toEqual([{ code: 'too-big', errno: EINVAL, message: 'the payload is 2097153 bytes; Xen accepts at most 2097152 (2 MiB)' }]);
  });
});

describe('descriptor layout when the size fits both versions (832 bytes)', () => {
  function funcsOnly(version: number): Uint8Array {
    const data = new Uint8Array(832);
    const stride = version === 1 ? 64 : 104;
    for (let at = 0; at < data.length; at += stride) {
      data[at + 28] = 12; // old_size
      data[at + 32] = version;
    }
    return buildElf([{ name: '.livepatch.funcs', type: 1, flags: 3, data }]);
  }

  it('reads 13 version-1 descriptors when the first says version 1, and reports the version', () => {
    const info = parsePayload(funcsOnly(1));
    expect(info.funcs.map((f) => f.version)).toEqual(new Array(13).fill(1));
    expect(info.problems.find((p) => p.code.startsWith('func'))).toEqual({
      code: 'func-version',
      errno: EOPNOTSUPP,
      message: 'function 0 has descriptor version 1; Xen 4.14+ needs 2',
    });
  });

  it('reads 8 version-2 descriptors otherwise', () => {
    const info = parsePayload(funcsOnly(2));
    expect(info.funcs.map((f) => [f.version, f.oldSize])).toEqual(new Array(8).fill([2, 12]));
    expect(info.problems.map((p) => p.code)).not.toContain('func-version');
  });
});

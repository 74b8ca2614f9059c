/**
 * The simulator's payload loader (src/host/sim/elf/load-payload.ts) on real payloads from
 * mkpayload.sh with one thing changed: what each Xen release answers at upload, per xen-rules.ts,
 * and that hostile files get an answer, fast, without the loader allocating what they claim.
 */
import { readFile } from 'node:fs/promises';

import { beforeAll, describe, expect, it } from 'vitest';

import { Errno } from '../../src/model/errno.js';
import { loadPayload, type LoadOutcome, type UploadHost } from '../../src/host/sim/elf/load-payload.js';
import { parseXenVersion } from '../../src/host/sim/xen-version.js';
import { readElf, type ElfFile } from '../../src/payload/elf.js';
import { malformedCases } from '../helpers/malformed-payloads.js';
import { TEST_XEN_BUILD_ID, buildElf, buildPayload, patchSection, patched, type PayloadOptions } from '../helpers/payloads.js';

const host: UploadHost = { buildId: TEST_XEN_BUILD_ID, hasBuildId: () => false };
const load = (bytes: Uint8Array, version: string, on: UploadHost = host): LoadOutcome => loadPayload('p', bytes, parseXenVersion(version), on);
/** The errno, 0 when accepted. */
const answer = (bytes: Uint8Array, version: string, on?: UploadHost): number => {
  const outcome = load(bytes, version, on);
  return 'refusal' in outcome ? outcome.refusal.errno : 0;
};
const accepted = (outcome: LoadOutcome) => {
  if ('refusal' in outcome) throw new Error(`refused: ${outcome.refusal.detail}`);
  return outcome.payload;
};

const real = async (options: PayloadOptions = {}): Promise<Uint8Array> => new Uint8Array(await readFile(await buildPayload(options)));
const section = (elf: ElfFile, name: string) => elf.sections.find((s) => s.name === name)!;

let plain: Uint8Array;
let layout: ElfFile;
let v1: Uint8Array;
const s = (name: string) => section(layout, name);

beforeAll(async () => {
  plain = await real({ id: 'ldr' });
  layout = readElf(plain);
  v1 = await real({ id: 'ldr1', payloadVersion: 1, hooks: ['preapply'], modinfo: ['K=V'], xenDepends: 'ab'.repeat(20) });
});

describe('what the loader keeps', () => {
  it('keeps the build-ids, metadata, hooks and functions, and whether the payload may be re-applied', async () => {
    const rich = accepted(load(await real({ id: 'ldrr', hooks: ['load', 'preapply'], modinfo: ['XSA=1', 'V=2'], withData: true }), '4.19.0'));
    expect(rich).toMatchObject({
      depends: TEST_XEN_BUILD_ID,
      xenDepends: TEST_XEN_BUILD_ID,
      metadata: ['XSA=1', 'V=2'],
      safeToReapply: false,
      hooks: ['load', 'preapply'],
      funcs: [{ name: 'xen_extra_version', oldSize: 12 }],
    });
    expect(rich.buildId).toMatch(/^[0-9a-f]{40}$/);
    expect(accepted(load(plain, '4.19.0')).safeToReapply).toBe(true);
  });

  it('counts a pre-apply hook only when its relocated pointer is not NULL (is_hook_enabled)', async () => {
    const hooked = await real({ id: 'ldrh', hooks: ['preapply'] });
    const rela = section(readElf(hooked), '.rela.livepatch.hooks.preapply');
    expect(accepted(load(hooked, '4.19.0')).hooks).toEqual(['preapply']);
    expect(accepted(load(patched(hooked, rela.offset + 8, 0, 4), '4.19.0')).hooks).toEqual([]);
  });
});

describe('the payload versions', () => {
  it('takes 104-byte version-2 descriptors from 4.14, 64-byte version-1 ones before', () => {
    expect(answer(plain, '4.13.0')).toBe(Errno.EINVAL);
    expect(answer(v1, '4.14.0')).toBe(Errno.EINVAL);
    expect(answer(plain, '4.14.0')).toBe(0);
  });

  it('before 4.14 reads neither .livepatch.xen_depends, nor .modinfo, nor the pre/post hooks', () => {
    expect(accepted(load(v1, '4.13.0'))).toMatchObject({ xenDepends: '', metadata: [], hooks: [] });
  });

  it('refuses a descriptor of the other version with EOPNOTSUPP', () => {
    expect(answer(patched(plain, s('.livepatch.funcs').offset + 32, 1, 1), '4.19.0')).toBe(Errno.EOPNOTSUPP);
  });
});

describe('what changed in Xen over the releases', () => {
  it('checks sh_addralign from 4.10', () => {
    const odd = patchSection(plain, s('.text').index, 'addralign', 3);
    expect(answer(odd, '4.10.0')).toBe(Errno.EOPNOTSUPP);
    // 4.9 lays the section out with Xen's ROUNDUP of a non-power of two, and goes on.
    expect(answer(odd, '4.9.0')).not.toBe(Errno.EOPNOTSUPP);
  });

  it('may re-apply a payload without writable sections from 4.10 only', () => {
    const readOnly = patchSection(v1, section(readElf(v1), '.livepatch.funcs').index, 'flags', 2);
    expect(accepted(load(readOnly, '4.9.0')).safeToReapply).toBe(false);
    expect(accepted(load(readOnly, '4.10.0')).safeToReapply).toBe(true);
  });

  it('refuses from 4.17 a relocation against a symbol of a section it did not load', () => {
    // The function's name is in .rodata.str1.1: once unallocated, its section symbol is not resolved.
    const unloaded = patchSection(plain, s('.rodata.str1.1').index, 'flags', 0);
    expect(load(unloaded, '4.17.0')).toMatchObject({ refusal: { errno: Errno.EINVAL, check: 'arch_livepatch_perform_rela: symbol of an unloaded section' } });
    // Before, the relocation used the raw value: the name pointer then points nowhere Xen can read.
    expect(load(unloaded, '4.16.0')).toMatchObject({ refusal: { errno: Errno.ENOENT, check: 'resolve_old_address: unknown function' } });
  });

  it('answers ENODATA for a build-id note of the wrong type from 4.20 (EINVAL before)', () => {
    const wrongType = patched(plain, s('.note.gnu.build-id').offset + 8, 1, 4);
    expect(answer(wrongType, '4.19.0')).toBe(Errno.EINVAL);
    expect(answer(wrongType, '4.20.0')).toBe(Errno.ENODATA);
  });

  it('from 4.20 reads a section it did not load from the upload; before, through a NULL address', () => {
    const unallocated = patchSection(plain, s('.livepatch.depends').index, 'flags', 0);
    expect(load(unallocated, '4.19.0')).toMatchObject({ refusal: { errno: Errno.EINVAL, check: 'Xen would fault (a host crash)' } });
    expect(answer(unallocated, '4.20.0')).toBe(0);
  });

  it('checks xen_depends last up to 4.19 and first from 4.20, with the console lines of each', async () => {
    const other = await real({ id: 'ldro', xenDepends: 'ab'.repeat(20), modinfo: ['A=1'] });
    const modinfo = section(readElf(other), '.modinfo');
    const badModinfo = patched(other, modinfo.offset + modinfo.size - 1, 0x21, 1);
    expect(load(badModinfo, '4.19.0')).toMatchObject({ refusal: { errno: Errno.EINVAL, check: 'prepare_payload: metadata not NUL-terminated', console: [] } });
    expect(load(other, '4.19.0')).toMatchObject({ refusal: { errno: Errno.EINVAL, console: ['livepatch: p: check against hypervisor build-id failed'] } });
    // No-break spaces, as in Xen's format string (seen on a real 4.20.5-pre).
    const mismatch = ['livepatch: p: build-id mismatch:', `\u00a0 livepatch: ${'ab'.repeat(20)}`, `${'\u00a0'.repeat(7)} xen: ${TEST_XEN_BUILD_ID}`];
    expect(load(badModinfo, '4.20.0')).toMatchObject({ refusal: { errno: Errno.EINVAL, console: mismatch } });
  });

  it('answers ENODATA when Xen has no build-id, logging it from 4.20', () => {
    const none = { buildId: '', hasBuildId: () => false };
    expect(load(plain, '4.19.0', none)).toMatchObject({ refusal: { errno: Errno.ENODATA, console: [] } });
    expect(load(plain, '4.20.0', none)).toMatchObject({ refusal: { console: ['livepatch: p: unable to get running Xen build-id: -61'] } });
    expect(load(plain, '4.21.0', none)).toMatchObject({ refusal: { console: ['livepatch: p: unable to get running Xen build-id: 0'] } });
  });

  it('finds a duplicate build-id (EEXIST) before it reads .modinfo', async () => {
    const meta = await real({ id: 'ldrm', modinfo: ['A=1'] });
    const modinfo = section(readElf(meta), '.modinfo');
    const broken = patched(meta, modinfo.offset + modinfo.size - 1, 0x21, 1);
    const loaded = { buildId: TEST_XEN_BUILD_ID, hasBuildId: () => true };
    expect(answer(broken, '4.19.0', loaded)).toBe(Errno.EEXIST);
  });
});

describe('relocations and symbols, as Xen resolves them', () => {
  const funcsRela = () => s('.rela.livepatch.funcs').offset;

  it('refuses a PC-relative value that does not fit 32 bits (EOVERFLOW)', () => {
    const pc32 = patched(patched(plain, funcsRela() + 8, 2, 4), funcsRela() + 16, 1n << 40n, 8);
    expect(load(pc32, '4.19.0')).toMatchObject({ refusal: { errno: Errno.EOVERFLOW } });
  });

  it('refuses a relocation without a symbol (EOPNOTSUPP) and an undefined symbol Xen cannot have (ENOENT)', () => {
    expect(answer(patched(plain, funcsRela() + 12, 0, 4), '4.19.0')).toBe(Errno.EOPNOTSUPP);
    // Symbol 1 is the section symbol of .note.gnu.build-id: its name is empty.
    expect(answer(patched(plain, s('.symtab').offset + 24 + 6, 0, 2), '4.19.0')).toBe(Errno.ENOENT);
  });

  it('refuses a new function beyond the 2 GiB reach of a jump (EOVERFLOW)', () => {
    // An absolute old_addr 4 GiB below Xen. From 4.17 Xen first reads it (for an ENDBR64): the
    // simulated Xen maps nothing there, so it would fault.
    const far = patched(plain, s('.livepatch.funcs').offset + 16, 0xffff82d000000000n - (1n << 32n), 8);
    expect(load(far, '4.16.0')).toMatchObject({ refusal: { errno: Errno.EOVERFLOW, check: 'livepatch_verify_distance: new function out of jump range' } });
    expect(load(far, '4.17.0')).toMatchObject({ refusal: { errno: Errno.EINVAL, check: 'Xen would fault (a host crash)' } });
  });
});

describe('hostile files', () => {
  it('answers every malformed file of the reader tests, for every release, without throwing', () => {
    const versions = ['4.9.0', '4.13.0', '4.16.0', '4.17.7', '4.19.0', '4.20.0', '4.21.0'];
    for (const c of malformedCases(() => plain)) {
      for (const version of versions) expect(() => load(c.bytes(), version), `${c.label} on ${version}`).not.toThrow();
    }
  });

  it('answers ENOMEM for sections claiming more memory than Xen has, without allocating it', () => {
    const symbols = [{ name: '.symtab', type: 2, data: new Uint8Array(24), link: 2, entsize: 24 }, { name: '.strtab', type: 3, data: Uint8Array.of(0) }];
    const bss = Array.from({ length: 600 }, () => ({ name: '.bss', type: 8, flags: 3 }));
    let bytes = buildElf([...symbols, ...bss]);
    for (let i = 3; i < 603; i++) bytes = patchSection(bytes, i, 'size', 2 * 1024 * 1024);
    const started = performance.now();
    // With sh_addralign 0, Xen's ROUNDUP puts every section at the start of the region, over the
    // others: 2 MiB in all. Aligned, they need 1.2 GiB.
    expect(load(bytes, '4.19.0')).toMatchObject({ refusal: { check: 'check_special_sections: section missing' } });
    for (let i = 3; i < 603; i++) bytes = patchSection(bytes, i, 'addralign', 8);
    expect(load(bytes, '4.19.0')).toMatchObject({ refusal: { errno: Errno.ENOMEM, check: 'move_payload: no memory for the payload' } });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

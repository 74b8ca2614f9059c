/**
 * Payload fixtures for the tests, built during the test run (no binary fixture is committed):
 * - buildPayload(): a real payload from scripts/mkpayload.sh (gcc, objcopy, ld), memoised per
 *   test file so a suite compiles each variant once;
 * - buildElf() / writeFixture(): small hand-made ELF64 files and raw bytes, for malformed cases;
 * - field offsets and a patch helper, to corrupt one field of a real payload.
 * Everything is written into one private directory per test file (see fixtureDir).
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { inject } from 'vitest';

export const MKPAYLOAD = fileURLToPath(new URL('../../scripts/mkpayload.sh', import.meta.url));
/** A made-up hypervisor build-id: the tests never talk to a real Xen. */
export const TEST_XEN_BUILD_ID = '151b373fd64b321593bf987fd923cd10dabadac4';

export type BuildableHook = 'load' | 'unload' | 'preapply' | 'postapply' | 'prerevert' | 'postrevert';

export interface PayloadOptions {
  readonly xenBuildId?: string;
  readonly depends?: string;
  readonly xenDepends?: string;
  readonly id?: string;
  readonly func?: string;
  readonly oldSize?: number;
  readonly returns?: string;
  readonly modinfo?: readonly string[];
  readonly hooks?: readonly BuildableHook[];
  readonly withData?: boolean;
  readonly noFuncs?: boolean;
  /** 2 (Xen 4.14+, the default) or 1 (Xen 4.7-4.13: 64-byte descriptors). */
  readonly payloadVersion?: 1 | 2;
}

/** The mkpayload.sh arguments for these options (without --out). */
export function mkpayloadArgs(options: PayloadOptions): string[] {
  const args = ['--xen-build-id', options.xenBuildId ?? TEST_XEN_BUILD_ID];
  const valued: Array<[string, string | number | undefined]> = [
    ['--depends', options.depends],
    ['--xen-depends', options.xenDepends],
    ['--id', options.id],
    ['--func', options.func],
    ['--old-size', options.oldSize],
    ['--returns', options.returns],
    ['--payload-version', options.payloadVersion],
  ];
  for (const [flag, value] of valued) if (value !== undefined) args.push(flag, String(value));
  for (const entry of options.modinfo ?? []) args.push('--modinfo', entry);
  for (const hook of options.hooks ?? []) args.push('--hook', hook);
  if (options.withData) args.push('--with-data');
  if (options.noFuncs) args.push('--no-funcs');
  return args;
}

let dirPromise: Promise<string> | undefined;

/**
 * A private 0700 directory for this test file's fixtures, inside the run's fixture root
 * (payload-fixtures-setup.ts removes it after the run). Without that setup (another vitest
 * config), it is made in the system temporary directory and removed when the process exits.
 */
export function fixtureDir(): Promise<string> {
  dirPromise ??= (async () => {
    const root = inject('payloadFixtureRoot');
    const dir = await mkdtemp(join(root ?? tmpdir(), 'xlp-payloads-'));
    if (root === undefined) process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return dirPromise;
}

const built = new Map<string, Promise<string>>();

/** Builds (once per test file and option set) a payload and returns its path. */
export function buildPayload(options: PayloadOptions = {}): Promise<string> {
  const args = mkpayloadArgs(options);
  const key = JSON.stringify(args);
  let pending = built.get(key);
  if (!pending) {
    pending = (async () => {
      const { execa } = await import('execa');
      const name = `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.livepatch`;
      const out = join(await fixtureDir(), name);
      await execa('bash', [MKPAYLOAD, '--out', out, ...args]);
      return out;
    })();
    built.set(key, pending);
  }
  return pending;
}

/** Writes raw bytes (a hand-made or corrupted file) into the fixture directory. */
export async function writeFixture(name: string, bytes: Uint8Array): Promise<string> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`bad fixture name ${name}`);
  const path = join(await fixtureDir(), name);
  await writeFile(path, bytes, { mode: 0o600 });
  return path;
}

/** Offsets of ELF64 header and section header fields. */
export const EHDR = { class: 4, data: 5, type: 0x10, machine: 0x12, version: 0x14, shoff: 0x28, phnum: 0x38, shentsize: 0x3a, shnum: 0x3c, shstrndx: 0x3e } as const;
export const SHDR = { name: 0, type: 4, flags: 8, addr: 16, offset: 24, size: 32, link: 40, info: 44, addralign: 48, entsize: 56 } as const;
const WIDTH: Record<number, number> = { 0: 4, 4: 4, 8: 8, 16: 8, 24: 8, 32: 8, 40: 4, 44: 4, 48: 8, 56: 8 };

/** A copy of `bytes` with a little-endian integer of `width` bytes written at `offset`. */
export function patched(bytes: Uint8Array, offset: number, value: number | bigint, width: 1 | 2 | 4 | 8): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const view = new DataView(copy.buffer);
  if (width === 1) view.setUint8(offset, Number(value));
  else if (width === 2) view.setUint16(offset, Number(value), true);
  else if (width === 4) view.setUint32(offset, Number(value), true);
  else view.setBigUint64(offset, BigInt(value), true);
  return copy;
}

/** Where section `index`'s header field lies in an ELF64 file (read from the file's own header). */
export function sectionField(bytes: Uint8Array, index: number, field: keyof typeof SHDR): { offset: number; width: 4 | 8 } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(view.getBigUint64(EHDR.shoff, true));
  const shentsize = view.getUint16(EHDR.shentsize, true);
  return { offset: shoff + index * shentsize + SHDR[field], width: WIDTH[SHDR[field]] as 4 | 8 };
}

export function patchSection(bytes: Uint8Array, index: number, field: keyof typeof SHDR, value: number | bigint): Uint8Array {
  const { offset, width } = sectionField(bytes, index, field);
  return patched(bytes, offset, value, width);
}

export interface HandSection {
  readonly name: string;
  readonly type: number;
  readonly flags?: number;
  readonly data?: Uint8Array;
  readonly link?: number;
  readonly info?: number;
  readonly entsize?: number;
}

/**
 * A minimal ELF64 little-endian x86-64 relocatable file: the ELF header, each section's data
 * (8-byte aligned), a .shstrtab added as the last section, then the section headers.
 */
export function buildElf(sections: readonly HandSection[]): Uint8Array {
  const all: HandSection[] = [...sections, { name: '.shstrtab', type: 3 }];
  const names: number[] = [0];
  const nameOffsets = all.map((s) => {
    const at = names.length;
    names.push(...Buffer.from(s.name, 'latin1'), 0);
    return at;
  });
  const data = all.map((s, i) => (i === all.length - 1 ? Uint8Array.from(names) : (s.data ?? new Uint8Array())));
  const align8 = (n: number): number => Math.ceil(n / 8) * 8;
  const offsets: number[] = [];
  let at = 64;
  for (const d of data) {
    offsets.push(at);
    at = align8(at + d.length);
  }
  const shoff = at;
  const shnum = all.length + 1;
  const bytes = new Uint8Array(shoff + shnum * 64);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  view.setUint16(EHDR.type, 1, true);
  view.setUint16(EHDR.machine, 62, true);
  view.setUint32(EHDR.version, 1, true);
  view.setBigUint64(EHDR.shoff, BigInt(shoff), true);
  view.setUint16(0x34, 64, true);
  view.setUint16(EHDR.shentsize, 64, true);
  view.setUint16(EHDR.shnum, shnum, true);
  view.setUint16(EHDR.shstrndx, shnum - 1, true);
  all.forEach((s, i) => {
    const h = shoff + (i + 1) * 64;
    bytes.set(data[i]!, offsets[i]!);
    view.setUint32(h + SHDR.name, nameOffsets[i]!, true);
    view.setUint32(h + SHDR.type, s.type, true);
    view.setBigUint64(h + SHDR.flags, BigInt(s.flags ?? 0), true);
    view.setBigUint64(h + SHDR.offset, BigInt(offsets[i]!), true);
    view.setBigUint64(h + SHDR.size, BigInt(data[i]!.length), true);
    view.setUint32(h + SHDR.link, s.link ?? 0, true);
    view.setUint32(h + SHDR.info, s.info ?? 0, true);
    view.setBigUint64(h + SHDR.entsize, BigInt(s.entsize ?? 0), true);
  });
  return bytes;
}

/** The bytes of one GNU note: namesz, descsz, type, name and descriptor, each padded to 4. */
export function gnuNote(desc: Uint8Array, type = 3, name = 'GNU\0'): Uint8Array {
  const pad = (b: Uint8Array): Uint8Array => Uint8Array.from([...b, ...new Array((4 - (b.length % 4)) % 4).fill(0)]);
  const head = new Uint8Array(12);
  const view = new DataView(head.buffer);
  view.setUint32(0, name.length, true);
  view.setUint32(4, desc.length, true);
  view.setUint32(8, type, true);
  return Uint8Array.from([...head, ...pad(Buffer.from(name, 'latin1')), ...pad(desc)]);
}

/**
 * The .livepatch.funcs array: struct livepatch_func descriptors.
 *
 * x86-64 layout, both versions: name pointer @0, new_addr @8, old_addr @16, u32 new_size @24,
 * u32 old_size @28, u8 version @32. Version 2 (Xen 4.14+) descriptors are 104 bytes, version 1
 * (Xen 4.7-4.13) ones 64 bytes. The layout is chosen by the section size; a size that is a
 * multiple of both (832 bytes, 8 or 13 descriptors) is decided by the version byte of the first
 * descriptor, which sits at the same place in both layouts. See docs/payload.md.
 */
import { ByteReader } from './elf-bytes.js';
import { sectionBytes, type ElfSection } from './elf.js';
import { R_X86_64, pointedString, relocationsOf, type PayloadElf, type Relocation } from './payload-elf.js';
import type { LivepatchFunc } from './types.js';

export const FUNC_V2_SIZE = 104;
export const FUNC_V1_SIZE = 64;
export const FUNC_FIELD = { name: 0, newAddr: 8, oldAddr: 16, newSize: 24, oldSize: 28, version: 32 } as const;

/** One descriptor as Xen sees it once relocated. */
export interface RawFunc extends LivepatchFunc {
  /** True when new_addr is non-zero after relocation (false: Xen NOPs old_size bytes instead). */
  readonly hasNewAddr: boolean;
  /** True when old_addr is non-zero after relocation (false: Xen looks `name` up). */
  readonly hasOldAddr: boolean;
}

/** The descriptor size this section's contents are laid out in, or undefined if neither fits. */
export function funcLayout(bytes: Uint8Array): number | undefined {
  const v2 = bytes.length % FUNC_V2_SIZE === 0;
  const v1 = bytes.length % FUNC_V1_SIZE === 0;
  if (bytes.length === 0 || (!v1 && !v2)) return undefined;
  if (v1 && v2) return bytes[FUNC_FIELD.version] === 1 ? FUNC_V1_SIZE : FUNC_V2_SIZE;
  return v2 ? FUNC_V2_SIZE : FUNC_V1_SIZE;
}

/** Reads the descriptors with a given stride (Xen's 104 for the checks, funcLayout() for the model). */
export function readFuncs(p: PayloadElf, section: ElfSection, stride: number): RawFunc[] {
  const bytes = sectionBytes(p.elf, section);
  const r = new ByteReader(bytes);
  const relocations = relocationsOf(p, section);
  const relocated = (at: number): Relocation | undefined => relocations.get(BigInt(at));
  const funcs: RawFunc[] = [];
  for (let at = 0; at + stride <= bytes.length; at += stride) {
    const newAddr = r.u64(at + FUNC_FIELD.newAddr);
    const oldAddr = r.u64(at + FUNC_FIELD.oldAddr);
    const isSet = (value: bigint, field: number): boolean =>
      value !== 0n || (relocated(at + field)?.rela.type ?? R_X86_64.NONE) !== R_X86_64.NONE;
    funcs.push({
      name: pointedString(p, relocated(at + FUNC_FIELD.name)) ?? '',
      newAddr,
      oldAddr,
      newSize: r.u32(at + FUNC_FIELD.newSize),
      oldSize: r.u32(at + FUNC_FIELD.oldSize),
      version: r.u8(at + FUNC_FIELD.version),
      hasNewAddr: isSet(newAddr, FUNC_FIELD.newAddr),
      hasOldAddr: isSet(oldAddr, FUNC_FIELD.oldAddr),
    });
  }
  return funcs;
}

/** The model's view: every descriptor in its own layout, without the Xen-only flag. */
export function decodeFuncs(p: PayloadElf, section: ElfSection | undefined): LivepatchFunc[] {
  if (!section) return [];
  const layout = funcLayout(sectionBytes(p.elf, section));
  if (layout === undefined) return [];
  return readFuncs(p, section, layout).map(({ hasNewAddr: _n, hasOldAddr: _o, ...func }) => func);
}

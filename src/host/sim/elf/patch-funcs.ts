/**
 * The .livepatch.funcs array as prepare_payload checks it, descriptor by descriptor, stopping at
 * the first bad one: the payload version, a non-zero old_size, the old function's address (looked
 * up by name when old_addr is 0), then x86's arch_livepatch_verify_func and the 2 GiB reach of a
 * jump (livepatch_verify_distance). Before 4.17 the architecture check came before the lookup.
 *
 * struct livepatch_func (x86-64, both versions): name @0, new_addr @8, old_addr @16,
 * new_size @24, old_size @28, version @32; 64 bytes in version 1 (up to 4.13), 104 in version 2.
 */
import { Errno } from '../../../model/errno.js';
import { KSYM_NAME_LEN, XEN_VIRT_END, XEN_VIRT_START, xenSymbolAddress } from '../xen-addresses.js';
import type { SimFunc } from '../state.js';
import type { PayloadMemory } from './payload-memory.js';
import { Refusal } from './refusal.js';
import type { SectionAccess } from './section-access.js';
import { sectionByName, type Section, type SectionTable } from './section-table.js';
import { ELF_LIVEPATCH_FUNC } from './special-sections.js';
import { bytesToName } from './upload-bytes.js';
import { FREE_MEMORY } from './xen-limits.js';
import { XenFault } from './xen-fault.js';
import type { LoaderRules } from './xen-rules.js';

const FIELD = { name: 0n, newAddr: 8n, oldAddr: 16n, newSize: 24n, oldSize: 28n, version: 32n } as const;
/** ARCH_PATCH_INSN_SIZE: the jump Xen writes over the old function. */
const JUMP_SIZE = 5;
const ENDBR64_LEN = 4;
/** The bytes of ENDBR64 and of the poison Xen writes over an ENDBR64 it removed. */
const ENDBR_MARKS = [Uint8Array.of(0xf3, 0x0f, 0x1e, 0xfa), Uint8Array.of(0x66, 0x0f, 0x1f, 0x01)];
/** LIVEPATCH_OPAQUE_SIZE: at most this many bytes can be replaced by NOPs. */
const MAX_NOPS = 31;
/** ARCH_LIVEPATCH_RANGE: a 32-bit relative jump. */
const JUMP_RANGE = 1n << 31n;
/** sizeof(struct livepatch_fstate), allocated per descriptor from 4.19. */
const FUNC_STATE_SIZE = 40n;

interface Descriptor {
  readonly nameAddress: bigint;
  readonly newAddr: bigint;
  readonly oldAddr: bigint;
  readonly newSize: number;
  readonly oldSize: number;
}

/**
 * Whether the old function starts with ENDBR64 (or its poison). Xen reads the bytes there: in the
 * payload itself they are known; the simulated Xen's own code has none (it plays a Xen built
 * without CET-IBT); anywhere else Xen would read unmapped memory.
 */
function startsWithEndbr(memory: PayloadMemory, address: bigint): boolean {
  if (memory.holds(address, 4n)) {
    const bytes = memory.read(address, 4);
    return ENDBR_MARKS.some((mark) => mark.every((b, i) => bytes[i] === b));
  }
  if (address >= XEN_VIRT_START && address + 4n <= XEN_VIRT_END) return false;
  throw new XenFault(`reading the old function at ${address.toString(16)}`);
}

/** The name a descriptor points at, as Xen's strcmp would read it; undefined if it is not in the payload. */
function nameAt(memory: PayloadMemory, address: bigint): string | undefined {
  const bytes = memory.string(address, KSYM_NAME_LEN);
  return bytes === undefined ? undefined : bytesToName(bytes);
}

/** arch_livepatch_verify_func (x86). */
function verifyFunc(f: Descriptor, oldAddr: bigint, memory: PayloadMemory, rules: LoaderRules): Refusal | undefined {
  const check = 'arch_livepatch_verify_func';
  if (f.newAddr === 0n) {
    if (f.newSize > MAX_NOPS) return new Refusal(Errno.EOPNOTSUPP, `${check}: too many bytes to NOP`, `${check}: new_size ${f.newSize}`);
    if (f.oldSize < f.newSize) return new Refusal(Errno.EINVAL, `${check}: NOPs past the old function`, `${check}: old_size ${f.oldSize}, new_size ${f.newSize}`);
    return undefined;
  }
  const needed = JUMP_SIZE + (rules.allowsForEndbr && startsWithEndbr(memory, oldAddr) ? ENDBR64_LEN : 0);
  if (f.oldSize < needed) return new Refusal(Errno.EINVAL, `${check}: old function too small for a jump`, `${check}: old_size ${f.oldSize} < ${needed}`);
  return undefined;
}

export function checkPatchFuncs(table: SectionTable, access: SectionAccess, memory: PayloadMemory, rules: LoaderRules): SimFunc[] | Refusal {
  const check = 'prepare_payload';
  const section = sectionByName(table, ELF_LIVEPATCH_FUNC);
  if (!section) return [];
  const size = rules.v2 ? 104n : 64n;
  if (section.size % size !== 0n) return new Refusal(Errno.EINVAL, `${check}: .livepatch.funcs size not a multiple of the descriptor`, `${check}: ${section.size} bytes`);
  const count = section.size / size;
  if (rules.allocatesFuncState && count * FUNC_STATE_SIZE > FREE_MEMORY) {
    return new Refusal(Errno.ENOMEM, `${check}: no memory for the function state`, `${check}: ${count} descriptors`);
  }
  const funcs: SimFunc[] = [];
  for (let i = 0n; i < count; i++) {
    const result = checkDescriptor(section, i * size, access, memory, rules);
    if (result instanceof Refusal) return result;
    funcs.push(result);
  }
  return funcs;
}

function checkDescriptor(section: Section, at: bigint, access: SectionAccess, memory: PayloadMemory, rules: LoaderRules): SimFunc | Refusal {
  const check = 'prepare_payload';
  const version = access.u8(section, at + FIELD.version);
  const expected = rules.v2 ? 2 : 1;
  if (version !== expected) return new Refusal(Errno.EOPNOTSUPP, `${check}: wrong payload version`, `${check}: version ${version}, expected ${expected}`);
  const f: Descriptor = {
    nameAddress: access.u64(section, at + FIELD.name),
    newAddr: access.u64(section, at + FIELD.newAddr),
    oldAddr: access.u64(section, at + FIELD.oldAddr),
    newSize: access.u32(section, at + FIELD.newSize),
    oldSize: access.u32(section, at + FIELD.oldSize),
  };
  if (f.oldSize === 0) return new Refusal(Errno.EINVAL, `${check}: old_size is zero`);
  const name = nameAt(memory, f.nameAddress);
  // resolve_old_address. A name Xen cannot read (a NULL or wild pointer) would make Xen fault;
  // the simulator answers what Xen answers for a name it does not know.
  const resolve = (): bigint | Refusal =>
    f.oldAddr !== 0n
      ? f.oldAddr
      : (xenSymbolAddress(name ?? '') ?? new Refusal(Errno.ENOENT, 'resolve_old_address: unknown function', `resolve_old_address: ${JSON.stringify(name ?? null)}`));
  let oldAddr: bigint | Refusal;
  if (rules.resolvesOldAddressFirst) {
    oldAddr = resolve();
    if (oldAddr instanceof Refusal) return oldAddr;
    const refusal = verifyFunc(f, oldAddr, memory, rules);
    if (refusal) return refusal;
  } else {
    const refusal = verifyFunc(f, f.oldAddr, memory, rules);
    if (refusal) return refusal;
    oldAddr = resolve();
    if (oldAddr instanceof Refusal) return oldAddr;
  }
  if (f.newAddr !== 0n) {
    const distance = BigInt.asIntN(64, oldAddr - f.newAddr);
    if (distance < -JUMP_RANGE || distance >= JUMP_RANGE) {
      return new Refusal(Errno.EOVERFLOW, 'livepatch_verify_distance: new function out of jump range', `livepatch_verify_distance: ${distance}`);
    }
  }
  return { name: name ?? '', oldSize: f.oldSize, newSize: f.newSize };
}

/**
 * The simulated hypervisor's address space (x86-64): Xen's image in its 1 GiB virtual range, the
 * area payloads are loaded into, and made-up but stable addresses for Xen's own functions. The
 * payload loader needs them to do what Xen does with pointers (relocations, the 2 GiB jump range),
 * and `xl debug-keys x` prints them.
 */
import { createHash } from 'node:crypto';

/** XEN_VIRT_START and XEN_VIRT_END: everything Xen maps for itself, payloads included. */
export const XEN_VIRT_START = 0xffff82d040000000n;
export const XEN_VIRT_END = XEN_VIRT_START + 0x40000000n;
/** Where the simulated Xen's .text starts. */
const XEN_TEXT = 0xffff82d040200000n;
/** Where the simulated Xen puts payloads (its VMAP_XEN area, after its own image). */
export const PAYLOAD_AREA = 0xffff82d040800000n;

/** KSYM_NAME_LEN: Xen's symbol table holds no name longer than 127 bytes. */
export const KSYM_NAME_LEN = 128;

/**
 * The address Xen's symbol table gives a name. The simulated Xen has a function of every name Xen
 * could hold (1 to 127 bytes): it cannot know the real symbol table, and payloads are built
 * against the real one. Undefined for a name Xen cannot hold (symbols_lookup_by_name returns 0).
 */
export function xenSymbolAddress(name: string): bigint | undefined {
  if (name.length === 0 || name.length >= KSYM_NAME_LEN) return undefined;
  const digest = createHash('sha256').update(name, 'latin1').digest();
  return XEN_TEXT + BigInt(digest.readUInt32BE(0) & 0x000ffff0);
}

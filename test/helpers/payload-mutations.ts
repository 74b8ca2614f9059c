/**
 * Random damage to a payload's bytes, as fast-check arbitraries: byte flips, truncation, and
 * header or section-header fields overwritten with values chosen to hit the edges (0, the file
 * size, 2^63...). The reader's fuzz test and the simulator's differential test use them.
 */
import fc from 'fast-check';

import { EHDR, SHDR, patched } from './payloads.js';

export type Mutation = (bytes: Uint8Array) => Uint8Array;

const interesting = (size: number): fc.Arbitrary<bigint> =>
  fc.oneof(
    fc.constantFrom(0n, 1n, 63n, 64n, 104n, BigInt(size - 1), BigInt(size), BigInt(size + 1), 0x7fffffffn, 0xffffffffn, 1n << 63n, (1n << 64n) - 1n),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.bigInt({ min: 0n, max: BigInt(size) }),
  );

/** One mutation of a file of `size` bytes whose `sections` section headers start at `tableAt`. */
export function mutations(size: number, sections: number, tableAt: number): fc.Arbitrary<Mutation> {
  const flip = fc
    .record({ at: fc.nat({ max: size - 1 }), value: fc.nat({ max: 255 }) })
    .map(({ at, value }): Mutation => (b) => (at < b.length ? patched(b, at, value, 1) : b));
  const truncate = fc.nat({ max: size }).map((length): Mutation => (b) => b.subarray(0, length));
  const headerFields = Object.values(EHDR).map((offset) => ({ offset, width: offset === EHDR.shoff ? 8 : offset < 0x10 ? 1 : offset === EHDR.version ? 4 : 2 }));
  const header = fc
    .record({ field: fc.constantFrom(...headerFields), value: interesting(size) })
    .map(({ field, value }): Mutation => (b) =>
      field.offset + field.width <= b.length ? patched(b, field.offset, value & ((1n << BigInt(field.width * 8)) - 1n), field.width as 1 | 2 | 4 | 8) : b,
    );
  const sectionHeader = fc
    .record({ index: fc.nat({ max: sections - 1 }), field: fc.constantFrom(...(Object.keys(SHDR) as Array<keyof typeof SHDR>)), value: interesting(size) })
    .map(({ index, field, value }): Mutation => (b) => {
      const at = tableAt + index * 64 + SHDR[field];
      const width = ['name', 'type', 'link', 'info'].includes(field) ? 4 : 8;
      return at + width <= b.length ? patched(b, at, value & ((1n << BigInt(width * 8)) - 1n), width as 4 | 8) : b;
    });
  return fc.oneof(flip, truncate, header, sectionHeader);
}

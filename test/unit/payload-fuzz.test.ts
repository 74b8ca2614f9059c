/**
 * Property: whatever is done to a real payload's bytes (byte flips, truncation, overwritten header
 * and section-header fields), parsePayload either returns a PayloadInfo or throws an XlpError
 * 'invalid-payload' with a one-line message. Nothing else, ever.
 */
import { readFile } from 'node:fs/promises';

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { ExitCode, XlpError } from '../../src/errors.js';
import { parsePayload } from '../../src/payload/parse.js';
import { EHDR, SHDR, buildPayload, patched } from '../helpers/payloads.js';

/** XLP_FUZZ_RUNS raises the count for a longer hunt outside the normal suite. */
const RUNS = Number(process.env.XLP_FUZZ_RUNS ?? 10_000);

let original: Uint8Array;
let shoff: number;
let shnum: number;

beforeAll(async () => {
  const path = await buildPayload({ id: 'fuzz', hooks: ['load', 'preapply'], modinfo: ['XSA=1', 'V=2'], withData: true });
  original = new Uint8Array(await readFile(path));
  const view = new DataView(original.buffer);
  shoff = Number(view.getBigUint64(EHDR.shoff, true));
  shnum = view.getUint16(EHDR.shnum, true);
});

type Mutation = (bytes: Uint8Array) => Uint8Array;

const interesting = (size: number): fc.Arbitrary<bigint> =>
  fc.oneof(
    fc.constantFrom(0n, 1n, 63n, 64n, 104n, BigInt(size - 1), BigInt(size), BigInt(size + 1), 0x7fffffffn, 0xffffffffn, 1n << 63n, (1n << 64n) - 1n),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.bigInt({ min: 0n, max: BigInt(size) }),
  );

function mutations(size: number, sections: number, tableAt: number): fc.Arbitrary<Mutation> {
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
      const width = ['flags', 'offset', 'size', 'entsize'].includes(field) ? 8 : 4;
      return at + width <= b.length ? patched(b, at, value & ((1n << BigInt(width * 8)) - 1n), width as 4 | 8) : b;
    });
  return fc.oneof(flip, truncate, header, sectionHeader);
}

describe('parsePayload under mutation', () => {
  it(`returns a PayloadInfo or throws invalid-payload for ${RUNS} mutated payloads`, () => {
    let parsed = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(mutations(original.length, shnum, shoff), { minLength: 1, maxLength: 4 }), (steps) => {
        const bytes = steps.reduce((b, step) => step(b), original);
        try {
          const info = parsePayload(bytes);
          parsed++;
          expect(info.size).toBe(bytes.length);
          expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
          expect(Array.isArray(info.problems) && Array.isArray(info.funcs) && Array.isArray(info.sections)).toBe(true);
        } catch (error) {
          refused++;
          if (!(error instanceof XlpError)) throw new Error(`not an XlpError: ${String(error)}`, { cause: error });
          expect(error.code).toBe('invalid-payload');
          expect(error.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
          expect(error.message).toMatch(/^[^\n]+$/);
        }
      }),
      { numRuns: RUNS },
    );
    // Both outcomes must really occur, or the mutations are not exercising the reader.
    expect(parsed).toBeGreaterThan(RUNS / 20);
    expect(refused).toBeGreaterThan(RUNS / 20);
  });
});

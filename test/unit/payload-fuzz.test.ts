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
import { mutations } from '../helpers/payload-mutations.js';
import { EHDR, buildPayload } from '../helpers/payloads.js';

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

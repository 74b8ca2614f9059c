/**
 * Hand-made malformed ELF files: each must be refused by parsePayload with an 'invalid-payload'
 * XlpError (exit code INVALID_PAYLOAD) whose one-line message names the defect, and the errno Xen
 * gives for the same file. Most cases corrupt one field of a real payload built by mkpayload.sh.
 */
import { readFile } from 'node:fs/promises';

import { beforeAll, describe, expect, it } from 'vitest';

import { ExitCode, XlpError } from '../../src/errors.js';
import { parsePayload } from '../../src/payload/parse.js';
import { malformedCases } from '../helpers/malformed-payloads.js';
import { buildPayload } from '../helpers/payloads.js';

const EINVAL = 22;

let real: Uint8Array;

beforeAll(async () => {
  real = new Uint8Array(await readFile(await buildPayload()));
});

function refusal(bytes: Uint8Array): XlpError {
  try {
    parsePayload(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(XlpError);
    return error as XlpError;
  }
  throw new Error('parsePayload accepted a malformed file');
}

const CASES = malformedCases(() => real);

describe('parsePayload on malformed files', () => {
  it('has at least 30 distinct cases', () => {
    expect(new Set(CASES.map((c) => c.label)).size).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('refuses $label with a clear message', ({ bytes, message, errno }) => {
    const error = refusal(bytes());
    expect(error.code).toBe('invalid-payload');
    expect(error.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
    expect(error.errno).toBe(errno ?? EINVAL);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(error.hint).toBeTruthy();
  });
});

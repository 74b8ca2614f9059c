import { expect } from 'vitest';
import { XlpError } from '../../src/errors.js';

/** The XlpError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function caught(promise: Promise<unknown>): Promise<XlpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(XlpError);
  return error as XlpError;
}

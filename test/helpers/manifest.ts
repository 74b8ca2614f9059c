/** Helpers for the manifest tests: where a token is in a fixture's text, and the problems a text has. */
import { expect } from 'vitest';

import { ManifestError, parseManifest, type ManifestProblem } from '../../src/manifest/index.js';

/** 1-based line and column of the `nth` (0-based) occurrence of `needle` in `text`, as an editor counts. */
export function at(text: string, needle: string, nth = 0): { line: number; column: number } {
  let offset = -1;
  for (let i = 0; i <= nth; i++) {
    offset = text.indexOf(needle, offset + 1);
    if (offset < 0) throw new Error(`"${needle}" occurs fewer than ${nth + 1} times`);
  }
  return atOffset(text, offset);
}

/** 1-based line and column of the character at `offset` in `text`. */
export function atOffset(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

/** The ManifestError that `run` throws (fails the test when it throws nothing or something else). */
export function manifestError(run: () => unknown): ManifestError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ManifestError);
  return thrown as ManifestError;
}

export async function manifestErrorOf(promise: Promise<unknown>): Promise<ManifestError> {
  const thrown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(thrown).toBeInstanceOf(ManifestError);
  return thrown as ManifestError;
}

/** Every problem parseManifest finds in `text`, read as the file `file`. */
export const problemsOf = (text: string, file = 'site.yaml'): readonly ManifestProblem[] => manifestError(() => parseManifest(text, file, { baseDir: '/srv/xlp' })).problems;

/** The one problem `text` has; fails when it has none or several. */
export function onlyProblem(text: string, file = 'site.yaml'): ManifestProblem {
  const problems = problemsOf(text, file);
  expect(problems.map((p) => p.message)).toHaveLength(1);
  return problems[0]!;
}

/** A problem at the place of `needle` in `text`, whose message contains every one of `parts`. */
export function expectProblem(problem: ManifestProblem, text: string, needle: string, parts: readonly string[], nth = 0, file = 'site.yaml'): void {
  expect({ file: problem.file, line: problem.line, column: problem.column }).toEqual({ file, ...at(text, needle, nth) });
  for (const part of parts) expect(problem.message).toContain(part);
}

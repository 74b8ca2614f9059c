/** The documents' generated parts must be what `npm run docs` writes from their one source. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/model/exit-codes.js';
import { exitCodesHelp, exitCodesMarkdown, replaceGenerated } from '../../src/ui/exit-codes.js';
import { REPO } from '../helpers/cli.js';

const read = (file: string): string => readFileSync(join(REPO, file), 'utf8');

describe('exit codes have one source', () => {
  it.each([
    ['README.md', true],
    ['docs/exit-codes.md', false],
  ] as const)('%s holds the generated table (run npm run docs after changing src/model/exit-codes.ts)', (file, short) => {
    const text = read(file);
    expect(replaceGenerated(text, 'exit-codes', exitCodesMarkdown(short))).toBe(text);
  });

  it('lists each code once, in order, and every help line fits 80 columns', () => {
    const codes = EXIT_CODES.map((spec) => spec.code);
    expect([...codes].sort((a, b) => a - b)).toEqual(codes);
    expect(new Set(codes).size).toBe(codes.length);
    for (const line of exitCodesHelp().split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});

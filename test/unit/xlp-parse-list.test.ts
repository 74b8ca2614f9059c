import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseList } from '../../src/host/xen-livepatch/parse-list.js';
import { nameProblem } from '../../src/model/payload-name.js';

// The tool's printf formats, so samples of every generation are written the way the tool writes them.
const HEADER_3 = ' ID                                     | status     | metadata\n----------------------------------------+------------+---------------\n';
const HEADER_2 = ' ID                                     | status\n----------------------------------------+------------\n';
const rc = (errno: number, message: string): string => ` (${errno}, ${message})`;
/** 4.14+: "%-40s| %s" state, optional " (%d, %s)", "    | %s\n" metadata. */
const row3 = (name: string, state: string, suffix = '', metadata = ''): string => `${name.padEnd(40)}| ${state}${suffix}    | ${metadata}\n`;
/** 4.7-4.13: "%-40s| %s", optional " (%d, %s)", newline. */
const row2 = (name: string, state: string, suffix = ''): string => `${name.padEnd(40)}| ${state}${suffix}\n`;

describe('parseList, Xen 4.14+ (three columns)', () => {
  it('reads the real Xen 4.17 table, metadata and trailing spaces included', () => {
    // Byte for byte from a real Xen 4.17.7 session.
    const stdout =
      ' ID                                     | status     | metadata\n' +
      '----------------------------------------+------------+---------------\n' +
      'xenlab1                                 | APPLIED    | \n' +
      'xenlab2                                 | APPLIED    | \n' +
      'xenlab3                                 | CHECKED    | XSA=999;VERSION=1\n';
    expect(parseList(stdout)).toEqual({
      ok: true,
      layout: 'three-column',
      payloads: [
        { name: 'xenlab1', state: 'APPLIED', rc: 0, metadata: [] },
        { name: 'xenlab2', state: 'APPLIED', rc: 0, metadata: [] },
        { name: 'xenlab3', state: 'CHECKED', rc: 0, metadata: ['XSA=999', 'VERSION=1'] },
      ],
    });
  });

  it('reads "Nothing to list" as no payloads', () => {
    expect(parseList('Nothing to list\n')).toEqual({ ok: true, layout: 'empty', payloads: [] });
  });

  it('reads the rc of a failed or in-flight action from the state column', () => {
    const stdout =
      HEADER_3 +
      row3('xen_hello_world', 'APPLIED', '', 'LIVEPATCH_RULEZ') +
      row3('xsa', 'CHECKED', rc(22, 'Invalid argument')) +
      row3('xen_bye_world', 'CHECKED', rc(11, 'Resource temporarily unavailable'), 'VERSION=1;VENDOR=acme');
    const parsed = parseList(stdout);
    expect(parsed.ok && parsed.payloads).toEqual([
      { name: 'xen_hello_world', state: 'APPLIED', rc: 0, metadata: ['LIVEPATCH_RULEZ'] },
      { name: 'xsa', state: 'CHECKED', rc: 22, metadata: [] },
      { name: 'xen_bye_world', state: 'CHECKED', rc: 11, metadata: ['VERSION=1', 'VENDOR=acme'] },
    ]);
  });

  it('reads names of exactly 40 and of more than 40 characters, which push the columns right', () => {
    const forty = 'a'.repeat(40);
    const long = `x${'y'.repeat(125)}z`;
    const parsed = parseList(HEADER_3 + row3(forty, 'CHECKED') + row3(long, 'APPLIED', rc(16, 'Device or resource busy'), 'K=V'));
    expect(parsed.ok && parsed.payloads).toEqual([
      { name: forty, state: 'CHECKED', rc: 0, metadata: [] },
      { name: long, state: 'APPLIED', rc: 16, metadata: ['K=V'] },
    ]);
  });

  it("keeps the 'unknown' state the tool prints for states it has no name for", () => {
    const parsed = parseList(HEADER_3 + row3('odd', 'unknown'));
    expect(parsed.ok && parsed.payloads).toEqual([{ name: 'odd', state: 'unknown', rc: 0, metadata: [] }]);
  });

  it('accepts a row whose trailing space was stripped in transit', () => {
    const parsed = parseList(HEADER_3 + 'xsa                                     | CHECKED    |\n');
    expect(parsed.ok && parsed.payloads).toEqual([{ name: 'xsa', state: 'CHECKED', rc: 0, metadata: [] }]);
  });

  it('keeps names containing characters Xen allows but xlp would not create', () => {
    const parsed = parseList(HEADER_3 + row3('a.b-c_d:e', 'CHECKED', '', 'x=a|b'));
    expect(parsed.ok && parsed.payloads).toEqual([{ name: 'a.b-c_d:e', state: 'CHECKED', rc: 0, metadata: ['x=a|b'] }]);
  });
});

describe('parseList, Xen 4.7-4.13 (two columns)', () => {
  it('reads rows with and without an rc', () => {
    const parsed = parseList(HEADER_2 + row2('xsa', 'APPLIED') + row2('xsa2', 'CHECKED', rc(22, 'Invalid argument')));
    expect(parsed).toEqual({
      ok: true,
      layout: 'two-column',
      payloads: [
        { name: 'xsa', state: 'APPLIED', rc: 0, metadata: [] },
        { name: 'xsa2', state: 'CHECKED', rc: 22, metadata: [] },
      ],
    });
  });

  it('reads the bare header of an empty list as no payloads', () => {
    expect(parseList(HEADER_2)).toEqual({ ok: true, layout: 'two-column', payloads: [] });
  });

  it('reads a list longer than one 11-entry page, still in upload order', () => {
    const names = Array.from({ length: 13 }, (_, i) => `p${i}`);
    const parsed = parseList(HEADER_2 + names.map((n) => row2(n, 'CHECKED')).join(''));
    expect(parsed.ok && parsed.payloads.map((p) => p.name)).toEqual(names);
  });
});

describe('parseList refuses what it does not understand', () => {
  it.each([
    ['empty output', '', ''],
    ['a missing final newline', `${HEADER_3}${row3('xsa', 'CHECKED').slice(0, -1)}`, row3('xsa', 'CHECKED').slice(0, -1)],
    ['an unknown header', 'Payloads:\nxsa\n', 'Payloads:'],
    ['a header without its dashes', ' ID                                     | status     | metadata\nxsa\n', ' ID                                     | status     | metadata'],
    ['a two-column row under a three-column header', HEADER_3 + row2('xsa', 'CHECKED'), row2('xsa', 'CHECKED').trimEnd()],
    ['a three-column row under a two-column header', HEADER_2 + row3('xsa', 'CHECKED'), row3('xsa', 'CHECKED').slice(0, -1)],
    ['an unknown state', HEADER_3 + row3('xsa', 'LOADED'), row3('xsa', 'LOADED').slice(0, -1)],
    ['a stray line after the rows', `${HEADER_3}${row3('xsa', 'CHECKED')}done\n`, 'done'],
    ['the 4.14+ empty message without newline', 'Nothing to list', 'Nothing to list'],
  ])('%s', (_what, stdout, line) => {
    const parsed = parseList(stdout);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.line).toBe(line);
  });
});

describe('every name xlp allows parses back byte for byte, in every layout', () => {
  /** printf's %-40s pads to 40 bytes, not characters. */
  const padBytes = (name: string): string => name + ' '.repeat(Math.max(0, 40 - Buffer.byteLength(name, 'utf8')));
  const names = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((name) => nameProblem(name) === undefined);

  it('in the three-column table of Xen 4.14+, metadata included', () => {
    fc.assert(
      fc.property(fc.array(names, { minLength: 1, maxLength: 4 }), fc.array(fc.constantFrom('XSA=1', 'VERSION=é', 'K=ü;ß'), { maxLength: 2 }), (list, metadata) => {
        const unique = [...new Set(list)];
        const stdout = HEADER_3 + unique.map((name) => `${padBytes(name)}| CHECKED    | ${metadata.join(';')}\n`).join('');
        const parsed = parseList(stdout);
        expect(parsed.ok && parsed.payloads.map((p) => p.name)).toEqual(unique);
        expect(parsed.ok && parsed.payloads[0]?.metadata.join(';')).toBe(metadata.join(';'));
      }),
      { numRuns: 300 },
    );
  });

  it('in the two-column table of Xen 4.9-4.13', () => {
    fc.assert(
      fc.property(names, (name) => {
        const parsed = parseList(`${HEADER_2}${padBytes(name)}| APPLIED (16, Device or resource busy)\n`);
        expect(parsed).toEqual({ ok: true, layout: 'two-column', payloads: [{ name, state: 'APPLIED', rc: 16, metadata: [] }] });
      }),
      { numRuns: 300 },
    );
  });

  it('for example a name of ten two-byte letters, shorter than 40 characters but padded by bytes', () => {
    const name = 'é'.repeat(10);
    expect(parseList(`${HEADER_3}${padBytes(name)}| APPLIED    | \n`)).toMatchObject({ ok: true, payloads: [{ name }] });
  });
});

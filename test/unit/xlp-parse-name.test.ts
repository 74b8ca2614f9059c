import { describe, expect, it } from 'vitest';
import { ExitCode, XlpError } from '../../src/errors.js';
import { MAX_NAME_BYTES, nameProblem, validateName } from '../../src/model/payload-name.js';

describe('payload names', () => {
  it.each([
    ['xsa', 'a plain name'],
    ['XSA-458_v2.livepatch', 'dots, dashes and underscores'],
    ['n'.repeat(127), 'exactly 127 bytes'],
    [`${'é'.repeat(63)}a`, '127 bytes of UTF-8 in 64 characters'],
    ['--nodeps', 'a name that looks like a flag (the tool takes it as the name)'],
    ['xsa-é-修正', 'letters of any script'],
  ])('accepts %j (%s)', (name) => {
    expect(nameProblem(name)).toBeUndefined();
    expect(() => validateName(name)).not.toThrow();
  });

  it.each([
    ['', 'it is empty'],
    ['n'.repeat(128), 'it is 128 bytes long'],
    ['é'.repeat(64), 'it is 128 bytes long'],
    ['a/b', "it contains '/'"],
    ['a b', 'it contains whitespace'],
    ['a\u00a0b', 'it contains whitespace'],
    ['a|b', "it contains '|', the tool's column separator"],
    ['a\tb', 'it contains a control or format character'],
    ['a\nb', 'it contains a control or format character'],
    ['a\u007fb', 'it contains a control or format character'],
    ['a\u0085b', 'it contains a control or format character'],
    ['a\u001b[2Jb', 'it contains a control or format character'],
    ['xsa\u202egnp.exe', 'it contains a control or format character'],
    ['a\u200bb', 'it contains a control or format character'],
    ['a\ud800b', 'it is not valid Unicode'],
  ])('refuses %j: %s', (name, problem) => {
    expect(nameProblem(name)).toBe(problem);
  });

  it('refuses with a one-line usage error that states the rule', () => {
    let error: unknown;
    try {
      validateName('bad\nname');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XlpError);
    const xlp = error as XlpError;
    expect([xlp.code, xlp.exitCode]).toEqual(['usage', ExitCode.USAGE]);
    expect(xlp.message).toBe('invalid payload name "bad\\x0aname": it contains a control or format character');
    expect(xlp.hint).toBe(`a payload name is 1 to ${MAX_NAME_BYTES} bytes of UTF-8, without whitespace, '/', '|', control or format characters`);
  });
});

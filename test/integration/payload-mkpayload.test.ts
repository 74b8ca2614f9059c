/**
 * scripts/mkpayload.sh as a command: option checking, its private work directory, stacking, and
 * reproducible output. What it builds is compared with readelf in payload-readelf.test.ts.
 */
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

import { parsePayload } from '../../src/payload/parse.js';
import { MKPAYLOAD, TEST_XEN_BUILD_ID, buildPayload, fixtureDir } from '../helpers/payloads.js';

let dir: string;

beforeAll(async () => {
  dir = join(await fixtureDir(), 'mkpayload');
  await mkdir(dir, { mode: 0o700 });
});

async function mkpayload(args: string[], env: Record<string, string> = {}) {
  return execa('bash', [MKPAYLOAD, ...args], { reject: false, env: { ...env, LC_ALL: 'C' } });
}

describe('mkpayload.sh option checking', () => {
  const out = (): string => join(dir, 'never.livepatch');
  const BAD: Array<[string, () => string[], RegExp]> = [
    ['no --out', () => ['--xen-build-id', TEST_XEN_BUILD_ID], /^mkpayload: --out FILE is required$/],
    ['no --xen-build-id', () => ['--out', out()], /^mkpayload: --xen-build-id HEX is required$/],
    ['an odd-length build-id', () => ['--out', out(), '--xen-build-id', 'abc'], /^mkpayload: --xen-build-id must be an even number of hex digits \(2 to 128\), got 'abc'$/],
    ['a non-hex depends', () => ['--out', out(), '--xen-build-id', 'ab', '--depends', 'zz'], /^mkpayload: --depends must be an even number of hex digits/],
    ['an id that is not a C identifier', () => ['--out', out(), '--xen-build-id', 'ab', '--id', '1-x'], /^mkpayload: --id must be a C identifier of at most 64 characters, got '1-x'$/],
    ['a function name with a space', () => ['--out', out(), '--xen-build-id', 'ab', '--func', 'a b'], /^mkpayload: --func must be a C identifier/],
    ['a negative old size', () => ['--out', out(), '--xen-build-id', 'ab', '--old-size', '-1'], /^mkpayload: --old-size must be an integer from 0 to 4294967295, got '-1'$/],
    ['an old size over 32 bits', () => ['--out', out(), '--xen-build-id', 'ab', '--old-size', '4294967296'], /^mkpayload: --old-size must be an integer/],
    ['a 16-character return string', () => ['--out', out(), '--xen-build-id', 'ab', '--returns', '0123456789abcdef'], /^mkpayload: --returns must be at most 15 printable characters/],
    ['a quote in the return string', () => ['--out', out(), '--xen-build-id', 'ab', '--returns', 'a"b'], /^mkpayload: --returns must be at most 15 printable characters without " or \\/],
    ['modinfo without =', () => ['--out', out(), '--xen-build-id', 'ab', '--modinfo', 'novalue'], /^mkpayload: --modinfo must be KEY=VALUE without control characters, got 'novalue'$/],
    ['an unknown hook', () => ['--out', out(), '--xen-build-id', 'ab', '--hook', 'apply'], /^mkpayload: --hook must be one of: load unload preapply postapply prerevert postrevert; got 'apply'$/],
    ['the same hook twice', () => ['--out', out(), '--xen-build-id', 'ab', '--hook', 'load', '--hook', 'load'], /^mkpayload: --hook load given twice/],
    ['an unknown option', () => ['--out', out(), '--xen-build-id', 'ab', '--bogus'], /^mkpayload: unknown option '--bogus' \(see --help\)$/],
    ['an option without its value', () => ['--out'], /^mkpayload: option --out needs a value$/],
    ['an output directory that does not exist', () => ['--out', join(dir, 'no', 'x'), '--xen-build-id', 'ab'], /^mkpayload: the directory of --out '.*' does not exist$/],
  ];

  it.each(BAD)('refuses %s with one line on stderr', async (_label, args, message) => {
    const result = await mkpayload(args());
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('prints its usage with --help', async () => {
    const result = await mkpayload(['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^usage: mkpayload\.sh --out FILE --xen-build-id HEX \[options\]/);
  });
});

describe('mkpayload.sh builds', () => {
  it('in a private work directory that it removes', async () => {
    const tmp = join(dir, 'tmp');
    await mkdir(tmp, { mode: 0o700 });
    const out = join(dir, 'private.livepatch');
    const result = await mkpayload(['--out', out, '--xen-build-id', TEST_XEN_BUILD_ID, '--id', 'priv'], { TMPDIR: tmp });
    expect(result.exitCode).toBe(0);
    expect(await readdir(tmp)).toEqual([]);
    expect(parsePayload(await readFile(out)).problems).toEqual([]);
  });

  it('the same bytes from the same options', async () => {
    const a = join(dir, 'same-a.livepatch');
    const b = join(dir, 'same-b.livepatch');
    for (const out of [a, b]) expect((await mkpayload(['--out', out, '--xen-build-id', TEST_XEN_BUILD_ID, '--id', 'same'])).exitCode).toBe(0);
    expect(await readFile(a)).toEqual(await readFile(b));
  });

  it('a payload stacked on another: depends on its build-id, and no shared global symbol', async () => {
    const first = parsePayload(await readFile(await buildPayload()));
    const secondPath = await buildPayload({ id: 'stacked', depends: first.buildId! });
    const second = parsePayload(await readFile(secondPath));
    expect(second.depends).toBe(first.buildId);
    expect(second.xenDepends).toBe(TEST_XEN_BUILD_ID);
    expect(second.buildId).not.toBe(first.buildId);
    const globals = async (path: string) =>
      (await execa('readelf', ['-sW', path])).stdout
        .split('\n')
        .filter((l) => /\sGLOBAL\s/.test(l) && !/\sUND\s/.test(l))
        .map((l) => l.trim().split(/\s+/).at(-1));
    const firstGlobals = await globals(await buildPayload());
    expect(firstGlobals.length).toBeGreaterThan(0);
    expect((await globals(secondPath)).filter((name) => firstGlobals.includes(name))).toEqual([]);
  });

  it('a replacement returning the requested string', async () => {
    const path = await buildPayload({ id: 'ret', returns: '-patched 1.0' });
    const strings = (await execa('readelf', ['-p', '.rodata.str1.1', path])).stdout;
    expect(strings).toContain('-patched 1.0');
  });
});

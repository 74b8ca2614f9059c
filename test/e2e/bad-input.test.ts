/**
 * Bad input through the built CLI: one clear error line naming the problem and the fix, a
 * documented exit code, never a stack trace, and nothing changed on the host.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO, runXlp } from '../helpers/cli.js';
import { buildPayload } from '../helpers/payloads.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

let sim: SimCli;
let payload: string;

beforeAll(async () => {
  sim = await simCli();
  payload = await buildPayload({ id: 'bad_input' });
});
afterAll(() => sim.remove());
beforeEach(() => sim.reset());

/** The error is the last stderr line, alone, and nothing looks like a stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines.filter((line) => line.startsWith('xlp: error:'))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
}

async function expectNothingLoaded(): Promise<void> {
  expect((await sim.state()).payloads).toEqual([]);
}

describe('payload names', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['empty', '', /it is empty/],
    ['128 bytes', 'a'.repeat(128), /128 bytes/],
    ['a slash', 'xsa/466', /'\/'|slash/],
    ['a space', 'xsa 466', /whitespace/],
    ['a tab', 'xsa\t466', /whitespace|control/],
    ['a control character', 'xsa\u0001', /control or format character/],
    ['128 bytes of UTF-8 in 64 characters', 'é'.repeat(64), /128 bytes/],
  ];
  for (const [what, name, why] of cases) {
    it(`refuses a name with ${what} (exit 2), for upload and for apply`, async () => {
      const upload = await sim.xlp('upload', name, payload);
      expect(upload.exitCode).toBe(2);
      expectOneLineError(upload.stderr, why);
      const apply = await sim.json<{ error: { code: string; exitCode: number } }>('apply', name);
      expect(apply.result.exitCode).toBe(2);
      expect(apply.body.error).toMatchObject({ code: 'usage', exitCode: 2 });
      await expectNothingLoaded();
    });
  }

  it('accepts a name of exactly 127 bytes', async () => {
    const name = 'n'.repeat(127);
    expect((await sim.xlp('upload', name, payload)).exitCode).toBe(0);
    expect((await sim.state()).payloads.map((p) => p.name)).toEqual([name]);
  });

  it('names what is loaded when the name is unknown (exit 7)', async () => {
    await sim.xlp('upload', 'xsa-1', payload);
    for (const action of ['apply', 'revert', 'unload', 'replace']) {
      const result = await sim.xlp(action, 'xsa-2');
      expect(result.exitCode).toBe(7);
      expectOneLineError(result.stderr, /no payload named xsa-2 is loaded \(loaded: xsa-1\)/);
    }
  });
});

describe('payload files', () => {
  const dir = (): string => join(sim.home, 'files');

  it('refuses a missing file or a directory as usage errors (exit 2)', async () => {
    await mkdir(dir(), { recursive: true });
    const missing = await sim.xlp('load', join(dir(), 'nope.livepatch'));
    expect(missing.exitCode).toBe(2);
    expectOneLineError(missing.stderr, /does not exist/);
    const directory = await sim.xlp('upload', 'xsa', dir());
    expect(directory.exitCode).toBe(2);
    expectOneLineError(directory.stderr, /is a directory/);
    await expectNothingLoaded();
  });

  it('refuses empty, oversized and non-ELF files before the hypervisor sees them (exit 8)', async () => {
    await mkdir(dir(), { recursive: true });
    const files: Array<[string, Uint8Array, RegExp]> = [
      ['empty.livepatch', new Uint8Array(0), /is empty/],
      ['big.livepatch', new Uint8Array(2 * 1024 * 1024 + 1), /2097153 bytes.*2 MiB/],
      ['text.livepatch', new TextEncoder().encode('#!/bin/sh\necho not a payload\n'), /not an ELF file/],
    ];
    for (const [name, bytes, why] of files) {
      const path = join(dir(), name);
      await writeFile(path, bytes);
      const result = await sim.json<{ error: { code: string } }>('load', path);
      expect(result.result.exitCode, name).toBe(8);
      expect(result.body.error.code).toBe('invalid-payload');
      expect(result.body.error).toHaveProperty('message', expect.stringMatching(why));
    }
    await expectNothingLoaded();
  });
});

describe('the command line', () => {
  it('refuses an unknown flag with exit 2, as text and as JSON', async () => {
    const text = await sim.xlp('list', '--bogus');
    expect(text.exitCode).toBe(2);
    expectOneLineError(text.stderr, /nonexistent flag: --bogus/);
    const json = await sim.json<{ error: { code: string } }>('list', '--bogus');
    expect(json.result.exitCode).toBe(2);
    expect(json.body.error.code).toBe('usage');
  });

  it('refuses a missing argument with exit 2', async () => {
    const result = await sim.xlp('apply');
    expect(result.exitCode).toBe(2);
    expectOneLineError(result.stderr, /missing 1 required arg: NAME;/);
  });

  it('names a bad wait in the environment by its variable, for every kind of command (exit 2)', async () => {
    for (const [variable, args] of [
      ['XLP_TIMEOUT', ['load', payload]],
      ['XLP_TIMEOUT', ['list']],
      ['XLP_LOCK_TIMEOUT', ['apply', 'xsa']],
      ['XLP_LOCK_TIMEOUT', ['status']],
    ] as const) {
      const result = await runXlp([...args], { ...sim.env, [variable]: 'abc' });
      expect({ variable, args, exitCode: result.exitCode }).toEqual({ variable, args, exitCode: 2 });
      expectOneLineError(result.stderr, new RegExp(`^xlp: error: ${variable}="abc" is not usable: it must be a whole number of seconds`));
    }
    await expectNothingLoaded();
  });

  it('refuses an unknown backend with exit 2', async () => {
    const result = await sim.xlp('list', '--backend', 'kvm');
    expect(result.exitCode).toBe(2);
  });

  it('shows exit codes and examples in help, and offers shell completion', async () => {
    const help = await runXlp(['help', 'load'], sim.env);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/EXIT CODES/);
    expect(help.stdout).toMatch(/\$ xlp load \.\/xsa-466\.livepatch/);
    const completion = await runXlp(['autocomplete', 'bash'], { ...sim.env, XDG_CACHE_HOME: join(sim.home, 'cache') });
    expect(completion.exitCode).toBe(0);
    expect(completion.stdout).toMatch(/xlp/);
  });
});

describe('the tools', () => {
  it('refuses a missing or non-executable xen-livepatch path (exit 2)', async () => {
    const missing = await runXlp(['list', '--backend', 'xen-livepatch', '--xen-livepatch', join(sim.home, 'nope')], sim.env);
    expect(missing.exitCode).toBe(2);
    expectOneLineError(missing.stderr, /does not exist/);
    const plain = join(sim.home, 'plain-file');
    await writeFile(plain, '#!/bin/sh\n');
    await chmod(plain, 0o644);
    const notExecutable = await runXlp(['list', '--backend', 'xen-livepatch', '--xen-livepatch', plain], sim.env);
    expect(notExecutable.exitCode).toBe(2);
    expectOneLineError(notExecutable.stderr, /not executable/);
  });

  it('says when no xen-livepatch can be found at all (exit 3)', async () => {
    const env = { ...sim.env, XLP_BACKEND: 'xen-livepatch', PATH: join(sim.home, 'empty-path') };
    const result = await runXlp(['list'], env);
    expect(result.exitCode).toBe(3);
    expectOneLineError(result.stderr, /xen-livepatch/);
  });

  it('says this is not a dom0 where the raw tool would exit 0 (exit 3)', async () => {
    await sim.fault({ kind: 'no-handle', persistent: true });
    const fake = join(REPO, 'bin', 'sim', 'xen-livepatch');
    const result = await runXlp(['list', '--backend', 'xen-livepatch', '--xen-livepatch', fake, '--json'], sim.env);
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stdout).error.code).toBe('host-unsupported');
  });
});

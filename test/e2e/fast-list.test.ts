/**
 * `xlp list` has a fast path that skips oclif (cli/fast-list.ts). Whatever it answers must be
 * byte for byte what the oclif command answers (XLP_FAST_PATH=0 forces that one): stdout, stderr
 * and exit code, for successes and failures, text and JSON.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFastList } from '../../cli/fast-list.js';
import { runXlp } from '../helpers/cli.js';
import { buildPayload } from '../helpers/payloads.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

let sim: SimCli;
beforeAll(async () => {
  sim = await simCli();
});
afterAll(() => sim.remove());

async function bothPaths(args: string[], env: Record<string, string> = {}, base = sim.env) {
  const fast = await runXlp(args, { ...base, ...env });
  const oclif = await runXlp(args, { ...base, ...env, XLP_FAST_PATH: '0' });
  return { fast, oclif };
}

const CASES: Array<[string, string[], Record<string, string>?]> = [
  ['text', ['list']],
  ['--json', ['list', '--json']],
  ['--backend=sim -q', ['list', '--backend=sim', '-q']],
  ['XLP_CONTENT_TYPE=json', ['list'], { XLP_CONTENT_TYPE: 'json' }],
  ['--timeout 5 --json', ['list', '--timeout', '5', '--json']],
  ['XLP_TIMEOUT=0', ['list'], { XLP_TIMEOUT: '0' }],
];

describe('xlp list, fast path against oclif', () => {
  it('answers the same on an empty host and on one with payloads', async () => {
    for (const [label, args, env] of CASES) {
      const { fast, oclif } = await bothPaths(args, env);
      expect(fast, label).toEqual(oclif);
      expect(fast.exitCode).toBe(0);
    }
    const payload = await buildPayload({ id: 'fast_list', modinfo: ['XSA=466'] });
    await sim.xlp('load', payload, '--name', 'xsa-466');
    await sim.xlp('upload', 'second', await buildPayload({ id: 'fast_list_b', returns: '-b' }));
    for (const [label, args, env] of CASES) {
      const { fast, oclif } = await bothPaths(args, env);
      expect(fast, label).toEqual(oclif);
      expect(fast.stdout).toContain('xsa-466');
    }
  });

  it('fails the same way, with the same exit codes', async () => {
    const failures: Array<[string, string[], number]> = [
      ['missing tool path', ['list', '--backend', 'xen-livepatch', '--xen-livepatch', join(sim.home, 'nope')], 2],
      ['sim with --host', ['list', '--host', 'root@dom0'], 2],
      ['bad ssh destination', ['list', '--backend', 'xen-livepatch', '--host', 'root@-oProxyCommand=x'], 2],
    ];
    for (const [label, args, exitCode] of failures) {
      for (const json of [[], ['--json']]) {
        const { fast, oclif } = await bothPaths([...args, ...json]);
        expect(fast, label).toEqual(oclif);
        expect(fast.exitCode, label).toBe(exitCode);
      }
    }
    // A bad wait in the environment: both paths leave it to the settings, which name the variable.
    for (const value of ['soon', '']) {
      const { fast, oclif } = await bothPaths(['list', '--json'], { XLP_TIMEOUT: value });
      expect(fast, `XLP_TIMEOUT=${value}`).toEqual(oclif);
    }
    const bad = await bothPaths(['list'], { XLP_TIMEOUT: 'soon' });
    expect(bad.fast.exitCode).toBe(2);
    expect(bad.fast.stderr).toMatch(/^xlp: error: XLP_TIMEOUT="soon" is not usable/);
    await sim.fault({ kind: 'no-handle', persistent: true });
    const { fast, oclif } = await bothPaths(['list', '--json']);
    expect(fast).toEqual(oclif);
    expect(fast.exitCode).toBe(3);
  });
});

describe('xlp list, fast path against oclif, with a config file', () => {
  it('takes its settings from the config the same way, and refuses a bad one the same way', async () => {
    await sim.reset();
    const dir = join(sim.home, 'list-config');
    await mkdir(dir, { mode: 0o700 });
    // No XLP_BACKEND: the backend comes from the config.
    const env: Record<string, string> = { ...sim.env, XLP_CONFIG_DIR: dir };
    delete env.XLP_BACKEND;
    await writeFile(join(dir, 'config.json'), JSON.stringify({ host: { backend: 'sim' } }), { mode: 0o600 });
    const fromConfig = await bothPaths(['list', '--json'], {}, env);
    expect(fromConfig.fast).toEqual(fromConfig.oclif);
    expect(fromConfig.fast.exitCode).toBe(0);
    // The environment is above the config: no real xen-livepatch here (exit 3), on both paths.
    const fromEnv = await bothPaths(['list'], { XLP_BACKEND: 'xen-livepatch' }, env);
    expect(fromEnv.fast).toEqual(fromEnv.oclif);
    expect(fromEnv.fast.exitCode).toBe(3);
    await writeFile(join(dir, 'config.json'), '{"host": {"backend": "kvm"}}');
    for (const args of [['list'], ['list', '--json']]) {
      const invalid = await bothPaths(args, {}, env);
      expect(invalid.fast).toEqual(invalid.oclif);
      expect(invalid.fast.exitCode).toBe(2);
    }
  });
});

describe('which command lines the fast path takes', () => {
  const env = {};
  it('takes plain list invocations, with flags in either form (the settings below them are read as the oclif commands read them)', () => {
    expect(parseFastList(['list'], env)).toEqual({ json: false, flags: {} });
    expect(parseFastList(['list', '--backend', 'sim', '--json'], env)).toEqual({ json: true, flags: { backend: 'sim' } });
    expect(parseFastList(['list', '--sim-state=/x/s.json', '-q'], { XLP_BACKEND: 'sim' })).toEqual({ json: false, flags: { 'sim-state': '/x/s.json' } });
    expect(parseFastList(['list', '--host', 'root@dom0'], { XLP_HOST: 'other' })?.flags.host).toBe('root@dom0');
    expect(parseFastList(['list', '--timeout', '7'], env)).toEqual({ json: false, flags: { timeout: 7 } });
    expect(parseFastList(['list', '--timeout=0', '--json'], env)).toEqual({ json: true, flags: { timeout: 0 } });
  });

  it('leaves everything else to oclif', () => {
    const declined: string[][] = [
      ['apply', 'xsa'],
      ['list', '--help'],
      ['list', '-h'],
      ['list', 'extra'],
      ['list', '--bogus'],
      ['list', '--json', '--json'],
      ['list', '--xl', 'a', '--xl', 'b'],
      ['list', '--backend'],
      ['list', '--backend', 'kvm'],
      ['list', '--host', '--json'],
      ['list', '--'],
      ['list', '--timeout'],
      ['list', '--timeout', 'soon'],
      ['list', '--timeout', '-1'],
      ['list', '--timeout', '1.5'],
      ['list', '--timeout', '99999999'],
      ['list', '--timeout', '1', '--timeout', '2'],
    ];
    for (const argv of declined) expect(parseFastList(argv, env), argv.join(' ')).toBeUndefined();
    expect(parseFastList(['list'], { XLP_BACKEND: '' })).toBeUndefined();
    expect(parseFastList(['list'], { XLP_BACKEND: 'kvm' })).toBeUndefined();
  });
});

describe('xlp list and status on a busy hypervisor (EBUSY from xen-livepatch list)', () => {
  /** `xen-livepatch list` answers EBUSY: `count` times, or until cleared. */
  const busy = (count: number | 'persistent') => sim.xlp('sim', 'fault', 'sync-errno', '--action', 'list', '--errno', '16', ...(count === 'persistent' ? ['--persistent'] : ['--count', String(count)]));

  it('waits out a busy that clears before --timeout, on both paths and in status', async () => {
    await sim.reset();
    for (const env of [{}, { XLP_FAST_PATH: '0' }] as Record<string, string>[]) {
      expect((await busy(3)).exitCode).toBe(0);
      const listed = await runXlp(['list', '--timeout', '10', '--json'], { ...sim.env, ...env });
      expect(listed.exitCode, listed.stdout).toBe(0);
      expect((await sim.state()).faults).toEqual([]);
    }
    expect((await busy(2)).exitCode).toBe(0);
    const status = await sim.xlp('status', '--timeout', '10');
    expect(status.exitCode, status.stderr).toBe(0);
    expect((await sim.state()).faults).toEqual([]);
  });

  it('gives up with exit 5 when it is still busy at --timeout, the same on both paths', async () => {
    await sim.reset();
    expect((await busy('persistent')).exitCode).toBe(0);
    for (const json of [[], ['--json']]) {
      const { fast, oclif } = await bothPaths(['list', '--timeout', '1', ...json]);
      expect(fast).toEqual(oclif);
      expect(fast.exitCode).toBe(5);
    }
    const { body } = await sim.json<{ error: { code: string; errno: number; message: string } }>('list', '--timeout', '1');
    expect(body.error).toMatchObject({ code: 'busy-timeout', errno: 16, message: expect.stringContaining('still busy (EBUSY) after 1 s') });
    // Without the wait, the tool's own EBUSY at once.
    expect(await sim.json<{ error: { code: string } }>('list', '--timeout', '0').then(({ result, body: b }) => [result.exitCode, b.error.code])).toEqual([5, 'busy']);
    expect((await sim.xlp('status', '--timeout', '1')).exitCode).toBe(5);
    const nagios = await sim.xlp('status', '--timeout', '1', '--nagios');
    expect([nagios.exitCode, nagios.stdout]).toEqual([3, expect.stringMatching(/^XLP UNKNOWN - the hypervisor was still busy \(EBUSY\) after 1 s/)]);
    await sim.xlp('sim', 'fault', '--clear');
  });
});

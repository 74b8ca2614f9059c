/**
 * `xlp check` has a fast path that skips oclif (cli/fast-check.ts). Whatever it answers must be
 * byte for byte what the oclif command answers (XLP_FAST_PATH=0 forces that one): stdout, stderr
 * and exit code, in sync, drifting, and failing, text and JSON.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFastCheck } from '../../cli/fast-check.js';
import { runXlp } from '../helpers/cli.js';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

let sim: SimCli;
let manifest: string;
let files: { a: string; b: string };

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

async function writeManifest(path: string, entries: readonly (readonly [string, string, string])[], extra = ''): Promise<void> {
  const lines = ['version: 1', extra, 'hypervisors:', `  - build-id: "${TEST_XEN_BUILD_ID}"`, '    payloads:'].filter((line) => line !== '');
  for (const [name, file, state] of entries) lines.push(`      - name: ${name}`, `        file: ${file}`, `        sha256: "${await sha256(file)}"`, `        state: ${state}`);
  await writeFile(path, `${lines.join('\n')}\n`);
}

beforeAll(async () => {
  sim = await simCli();
  manifest = join(sim.home, 'site.yaml');
  files = { a: await buildPayload({ id: 'fast_check_a', returns: '-fca' }), b: await buildPayload({ id: 'fast_check_b', returns: '-fcb' }) };
  await writeManifest(manifest, [
    ['fca', files.a, 'applied'],
    ['fcb', files.b, 'uploaded'],
  ]);
});
afterAll(() => sim.remove());

async function bothPaths(args: string[], env: Record<string, string> = {}, base = sim.env) {
  const fast = await runXlp(args, { ...base, ...env });
  const oclif = await runXlp(args, { ...base, ...env, XLP_FAST_PATH: '0' });
  return { fast, oclif };
}

const forms = (): Array<[string, string[], Record<string, string>?]> => [
  ['text', ['check', '-f', manifest]],
  ['--json', ['check', '--manifest', manifest, '--json']],
  ['--manifest= --backend=sim -q', ['check', `--manifest=${manifest}`, '--backend=sim', '-q']],
  ['--unmanaged remove', ['check', '-f', manifest, '--unmanaged', 'remove', '--json']],
  ['XLP_CONTENT_TYPE=json', ['check', '-f', manifest], { XLP_CONTENT_TYPE: 'json' }],
];

describe('xlp check, fast path against oclif', () => {
  it('answers the same when the host drifts (exit 11) and when it is in sync (exit 0)', async () => {
    for (const [label, args, env] of forms()) {
      const { fast, oclif } = await bothPaths(args, env);
      expect(fast, label).toEqual(oclif);
      expect(fast.exitCode, label).toBe(11);
    }
    const synced = await sim.xlp('sync', '-f', manifest, '-q');
    expect(synced.exitCode, synced.stderr).toBe(0);
    for (const [label, args, env] of forms()) {
      const { fast, oclif } = await bothPaths(args, env);
      expect(fast, label).toEqual(oclif);
      expect(fast.exitCode, label).toBe(0);
    }
    // A payload the manifest does not name: drift only when the manifest (or --unmanaged) removes it.
    await sim.xlp('upload', 'stray', await buildPayload({ id: 'fast_check_stray', returns: '-stray' }));
    for (const [label, args, env] of forms()) {
      const { fast, oclif } = await bothPaths(args, env);
      expect(fast, label).toEqual(oclif);
      expect(fast.exitCode, label).toBe(label.includes('remove') ? 11 : 0);
    }
    // Thirty runs of the CLI, each two processes: longer than the default timeout on a loaded machine.
  }, 180_000);

  it('fails the same way, with the same exit codes', async () => {
    const bad = join(sim.home, 'bad.yaml');
    await writeFile(bad, 'version: 1\nhypervisors:\n  - build-id: "00"\n    payloads:\n      - name: x\n        sha265: "0"\n        state: applied\n');
    const other = join(sim.home, 'other.yaml');
    await writeFile(other, 'version: 1\nhypervisors:\n  - build-id: "00aa"\n    payloads: []\n');
    const failures: Array<[string, string[], number]> = [
      ['missing manifest', ['check', '-f', join(sim.home, 'nope.yaml')], 2],
      ['invalid manifest', ['check', '-f', bad], 16],
      ['unlisted build-id', ['check', '-f', other], 15],
      ['missing tool path', ['check', '-f', manifest, '--backend', 'xen-livepatch', '--xen-livepatch', join(sim.home, 'nope')], 2],
      ['sim with --host', ['check', '-f', manifest, '--host', 'root@dom0'], 2],
    ];
    for (const [label, args, exitCode] of failures) {
      for (const json of [[], ['--json']]) {
        const { fast, oclif } = await bothPaths([...args, ...json]);
        expect(fast, label).toEqual(oclif);
        expect(fast.exitCode, label).toBe(exitCode);
      }
    }
    await sim.fault({ kind: 'no-handle', persistent: true });
    const { fast, oclif } = await bothPaths(['check', '-f', manifest, '--json']);
    expect(fast).toEqual(oclif);
    expect(fast.exitCode).toBe(3);
  }, 120_000);

  it('reads the config files the same way, and refuses a bad one first', async () => {
    await sim.reset();
    const dir = join(sim.home, 'check-config');
    await mkdir(dir, { mode: 0o700 });
    const env: Record<string, string> = { ...sim.env, XLP_CONFIG_DIR: dir };
    delete env.XLP_BACKEND;
    await writeFile(join(dir, 'config.json'), JSON.stringify({ host: { backend: 'sim' } }), { mode: 0o600 });
    const fromConfig = await bothPaths(['check', '-f', manifest, '--json'], {}, env);
    expect(fromConfig.fast).toEqual(fromConfig.oclif);
    expect(fromConfig.fast.exitCode).toBe(11);
    // A bad config file and a missing manifest: both paths name the config (read before anything else).
    await writeFile(join(dir, 'config.json'), '{"host": {"backend": "kvm"}}');
    const invalid = await bothPaths(['check', '-f', join(sim.home, 'nope.yaml')], {}, env);
    expect(invalid.fast).toEqual(invalid.oclif);
    expect(invalid.fast.exitCode).toBe(2);
    expect(invalid.fast.stderr).toContain('config');
  });
});

describe('which check command lines the fast path takes', () => {
  const env = {};
  it('takes plain forms: -f or --manifest, --unmanaged, host flags, --json, -q', () => {
    expect(parseFastCheck(['check', '-f', 'm.yaml'], env)).toEqual({ json: false, flags: {}, manifest: 'm.yaml' });
    expect(parseFastCheck(['check', '--manifest=m.yaml', '--json', '--backend', 'sim'], env)).toEqual({ json: true, flags: { backend: 'sim' }, manifest: 'm.yaml' });
    expect(parseFastCheck(['check', '-q', '--unmanaged', 'remove', '--manifest', 'm.yaml'], env)).toEqual({ json: false, flags: {}, manifest: 'm.yaml', unmanaged: 'remove' });
  });

  it('leaves everything else to oclif', () => {
    const declined: string[][] = [
      ['check'],
      ['check', '--json'],
      ['check', '-f'],
      ['check', '-f', '--json'],
      ['check', '-fm.yaml'],
      ['check', '-f=m.yaml'],
      ['check', '-f', 'a.yaml', '-f', 'b.yaml'],
      ['check', '-f', 'm.yaml', '--manifest', 'b.yaml'],
      ['check', '-f', 'm.yaml', '--unmanaged', 'drop'],
      ['check', '-f', 'm.yaml', '--help'],
      ['check', '-f', 'm.yaml', 'extra'],
      ['check', '-f', 'm.yaml', '--dry-run'],
      ['plan', '-f', 'm.yaml'],
    ];
    for (const argv of declined) expect(parseFastCheck(argv, env), argv.join(' ')).toBeUndefined();
    expect(parseFastCheck(['check', '-f', 'm.yaml'], { XLP_BACKEND: '' })).toBeUndefined();
  });
});

/** `xlp sign`, and signature and sha256 requirements enforced by load/upload, through the built CLI. */
import { copyFile, lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { initSimState, readSimState } from '../../src/host/sim/admin.js';
import { isolatedEnv, runXlp, withTempDir, type CliResult } from '../helpers/cli.js';
import { TEST_XEN_BUILD_ID as XEN, buildPayload } from '../helpers/payloads.js';

interface Setup {
  readonly home: string;
  readonly payload: string;
  readonly key: string;
  xlp(...args: string[]): Promise<CliResult>;
  onHost(...args: string[]): Promise<CliResult>;
  loaded(): Promise<string[]>;
  journal(): Promise<string>;
}

async function withSetup(use: (s: Setup) => Promise<void>): Promise<void> {
  await withTempDir('xlp-e2e-sign-', async (home) => {
    const payload = join(home, 'xsa.livepatch');
    await copyFile(await buildPayload({ id: 'signed', modinfo: ['XSA=1'] }), payload);
    const key = join(home, 'release_key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'release', '-f', key]);
    const pub = (await readFile(`${key}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(join(home, 'allowed_signers'), `release@example.org namespaces="xlp-payload" ${pub}\n`, { mode: 0o644 });
    // The user config (XLP_CONFIG_DIR) requires signatures by keys of that file.
    await mkdir(join(home, 'config'), { mode: 0o700 });
    await writeFile(join(home, 'config', 'config.json'), JSON.stringify({ verify: { requireSignature: true, allowedSigners: join(home, 'allowed_signers') } }), { mode: 0o600 });
    const state = join(home, 'sim', 'state.json');
    await initSimState(state, { buildId: XEN });
    const env = isolatedEnv(home);
    const xlp = (...args: string[]): Promise<CliResult> => runXlp(args, env);
    await use({
      home,
      payload,
      key,
      xlp,
      onHost: (...args) => xlp(...args, '--backend', 'sim', '--sim-state', state, '--quiet'),
      loaded: async () => (await readSimState(state, env)).payloads.map((p) => p.name),
      // The simulated host keeps its journal in its own root.
      journal: () => readFile(join(home, 'sim', 'audit.jsonl'), 'utf8').catch(() => ''),
    });
  });
}

describe('signatures through the CLI', () => {
  it('a required signature: refused without one, accepted once xlp sign made it', async () => {
    await withSetup(async (s) => {
      const unsigned = await s.onHost('load', s.payload);
      expect(unsigned.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
      expect(unsigned.stderr).toContain(`no signature file ${s.payload}.sig`);
      expect(await s.loaded()).toEqual([]);

      const signed = await s.xlp('sign', s.payload, '--key', s.key);
      expect(signed.exitCode).toBe(0);
      expect((await lstat(`${s.payload}.sig`)).mode & 0o777).toBe(0o644);
      expect(await readFile(`${s.payload}.sig`, 'utf8')).toMatch(/^-----BEGIN SSH SIGNATURE-----/);
      expect((await s.xlp('sign', s.payload, '--key', s.key)).exitCode).toBe(ExitCode.FAILED);

      const loaded = await s.onHost('load', s.payload);
      expect(loaded.exitCode).toBe(0);
      expect(await s.loaded()).toEqual(['xsa']);
      expect(await s.journal()).toContain('"signer":"release@example.org"');
    });
  });

  it('refuses a payload changed after signing, and one signed by a key that is not allowed', async () => {
    await withSetup(async (s) => {
      expect((await s.xlp('sign', s.payload, '--key', s.key)).exitCode).toBe(0);
      const tampered = join(s.home, 'tampered.livepatch');
      const bytes = await readFile(s.payload);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
      await writeFile(tampered, bytes);
      await copyFile(`${s.payload}.sig`, `${tampered}.sig`);
      const result = await s.onHost('upload', 'tampered', tampered);
      expect(result.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
      expect(result.stderr).toMatch(/changed after it was signed/);

      const other = join(s.home, 'other_key');
      await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
      expect((await s.xlp('sign', s.payload, '--key', other, '--force')).exitCode).toBe(0);
      const foreign = await s.onHost('upload', 'xsa', s.payload);
      expect(foreign.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
      expect(foreign.stderr).toMatch(/made with a key that is not in/);
      expect(await s.loaded()).toEqual([]);
    });
  });

  it('--no-require-signature waives the configured requirement, and the journal says so', async () => {
    await withSetup(async (s) => {
      const result = await s.onHost('upload', 'xsa', s.payload, '--no-require-signature');
      expect(result.exitCode).toBe(0);
      expect(await s.journal()).toMatch(/"skippedChecks":\["signature \(required by [^)]*config\.json, waived by --no-require-signature\)"\]/);
    });
  });

  it('--sha256 pins the exact file', async () => {
    await withSetup(async (s) => {
      const { stdout } = await execa('sha256sum', [s.payload]);
      const actual = stdout.split(' ')[0]!;
      const wrong = await s.onHost('upload', 'xsa', s.payload, '--no-require-signature', '--sha256', 'a'.repeat(64));
      expect(wrong.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
      expect(wrong.stderr).toContain(`the file's sha256 is ${actual}, not the pinned ${'a'.repeat(64)}`);
      expect((await s.onHost('upload', 'xsa', s.payload, '--no-require-signature', '--sha256', 'nothex')).exitCode).toBe(ExitCode.USAGE);
      const upper = await s.onHost('upload', 'xsa', s.payload, '--no-require-signature', '--sha256', actual.toUpperCase());
      expect(upper.stderr).toBe('');
      expect(upper.exitCode).toBe(0);
    });
  });

  it('does not sign a payload Xen would refuse', async () => {
    await withSetup(async (s) => {
      const bad = await buildPayload({ id: 'signbad', oldSize: 0 });
      const result = await s.xlp('sign', bad, '--key', s.key, '--output', join(s.home, 'bad.sig'));
      expect(result.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
      await expect(lstat(join(s.home, 'bad.sig'))).rejects.toThrow();
    });
  });
});

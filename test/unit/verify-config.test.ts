import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { DEFAULT_ALLOWED_SIGNERS, loadVerifySettings } from '../../src/verify/config.js';
import { withTempDir } from '../helpers/cli.js';

async function configs(dir: string, system?: unknown, user?: unknown): Promise<string[]> {
  const dirs = [join(dir, 'etc-xlp'), join(dir, 'user-xlp')];
  for (const [i, content] of [system, user].entries()) {
    if (content === undefined) continue;
    await mkdir(dirs[i]!, { recursive: true });
    await writeFile(join(dirs[i]!, 'config.json'), typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o644 });
  }
  return dirs;
}

describe('loadVerifySettings', () => {
  it('defaults to no required signature and the system allowed-signers file', async () => {
    await withTempDir('xlp-config-', async (dir) => {
      const settings = await loadVerifySettings({}, {}, await configs(dir));
      expect(settings).toMatchObject({ requireSignature: false, allowedSigners: DEFAULT_ALLOWED_SIGNERS, requireSignatureFrom: 'default' });
    });
  });

  it('applies flag > environment > user > system, each only for what it sets', async () => {
    await withTempDir('xlp-config-', async (dir) => {
      const dirs = await configs(dir, { verify: { requireSignature: true, allowedSigners: 'signers', signer: 'sys@example.org' } }, { verify: { signer: 'user@example.org' } });
      const fromFiles = await loadVerifySettings({}, {}, dirs);
      // A relative path is relative to the config file that names it.
      expect(fromFiles).toMatchObject({ requireSignature: true, allowedSigners: join(dirs[0]!, 'signers'), signer: 'user@example.org', requireSignatureFrom: join(dirs[0]!, 'config.json') });
      const fromEnv = await loadVerifySettings({}, { XLP_REQUIRE_SIGNATURE: '0', XLP_SIGNER: 'env@example.org' }, dirs);
      expect(fromEnv).toMatchObject({ requireSignature: false, signer: 'env@example.org', requireSignatureFrom: 'environment' });
      const fromFlags = await loadVerifySettings({ requireSignature: true, allowedSigners: '/x/allowed' }, { XLP_REQUIRE_SIGNATURE: '0' }, dirs);
      expect(fromFlags).toMatchObject({ requireSignature: true, allowedSigners: '/x/allowed', requireSignatureFrom: 'command line' });
      expect(fromFlags.configured).toEqual({ requireSignature: false, from: 'environment' });
    });
  });

  it('stops on a config it cannot trust or read, rather than dropping a signature requirement', async () => {
    await withTempDir('xlp-config-', async (dir) => {
      const broken = await configs(dir, '{"verify": {"requireSignature": tru');
      await expect(loadVerifySettings({}, {}, broken)).rejects.toMatchObject({ code: 'config-invalid', exitCode: ExitCode.USAGE, message: expect.stringMatching(/not valid JSON/) });
    });
    await withTempDir('xlp-config-', async (dir) => {
      const typo = await configs(dir, { verify: { requireSignatures: true } });
      await expect(loadVerifySettings({}, {}, typo)).rejects.toMatchObject({ message: expect.stringMatching(/unknown verify setting "requireSignatures"/) });
      const wrongType = await configs(dir, { verify: { requireSignature: 'yes' } });
      await expect(loadVerifySettings({}, {}, wrongType)).rejects.toMatchObject({ message: expect.stringMatching(/must be true or false/) });
    });
    await withTempDir('xlp-config-', async (dir) => {
      const dirs = await configs(dir, { verify: { requireSignature: false } });
      await chmod(join(dirs[0]!, 'config.json'), 0o666);
      await expect(loadVerifySettings({}, {}, dirs)).rejects.toMatchObject({ code: 'config-invalid', message: expect.stringMatching(/writable by others/) });
    });
    await expect(loadVerifySettings({}, { XLP_REQUIRE_SIGNATURE: 'maybe' }, [])).rejects.toMatchObject({ code: 'config-invalid' });
  });

  it('ignores config files without a verify section (other settings live there too)', async () => {
    await withTempDir('xlp-config-', async (dir) => {
      const dirs = await configs(dir, { audit: { log: '/var/log/xlp.jsonl' } });
      await expect(loadVerifySettings({}, {}, dirs)).resolves.toMatchObject({ requireSignature: false });
    });
  });
});

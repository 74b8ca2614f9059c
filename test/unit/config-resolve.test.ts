/**
 * The settings of a run (src/config/resolve.ts): flag > environment > user config > system config >
 * default for every setting, each with its source; and the one exception, the system config's
 * signature requirement (with its trust list), which only a flag changes, the waiver recorded.
 */
import { describe, expect, it } from 'vitest';
import { resolveSettings, type ConfigFile, type SettingsInput } from '../../src/config/resolve.js';
import { DEFAULTS, SETTINGS, type ConfigValues, type SettingKey } from '../../src/config/settings.js';
import { ExitCode } from '../../src/errors.js';
import { signaturePolicy } from '../../src/verify/policy.js';

const SYSTEM = '/etc/xlp/config.json';
const USER = '/home/op/.config/xlp/config.json';
const system = (values: ConfigValues): ConfigFile => ({ path: SYSTEM, scope: 'system', values });
const user = (values: ConfigValues): ConfigFile => ({ path: USER, scope: 'user', values });
const resolved = (input: Partial<SettingsInput>) => resolveSettings({ files: [], env: {}, ...input });

/** For each setting, a value each layer can give it (as written there) and the value it reads as. */
const SAMPLES: Record<SettingKey, { write: (layer: number) => unknown; read?: (layer: number, from: string) => unknown; env: (layer: number) => string }> = {
  'verify.requireSignature': { write: (n) => n % 2 === 0, env: (n) => (n % 2 === 0 ? '1' : '0') },
  'verify.allowedSigners': { write: (n) => `/keys/${n}`, env: (n) => `/keys/${n}` },
  'verify.signer': { write: (n) => `signer${n}@example.org`, env: (n) => `signer${n}@example.org` },
  'host.backend': { write: (n) => (n % 2 === 0 ? 'sim' : 'xen-livepatch'), env: (n) => (n % 2 === 0 ? 'sim' : 'xen-livepatch') },
  'host.host': { write: (n) => `root@dom${n}`, env: (n) => `root@dom${n}` },
  'host.sshConfig': { write: (n) => `/ssh/${n}`, env: (n) => `/ssh/${n}` },
  'host.xenLivepatch': { write: (n) => `/bin${n}/xen-livepatch`, env: (n) => `/bin${n}/xen-livepatch` },
  'host.xl': { write: (n) => `/bin${n}/xl`, env: (n) => `/bin${n}/xl` },
  'host.timeout': { write: (n) => n, env: (n) => String(n) },
  'host.lockTimeout': { write: (n) => n + 100, env: (n) => String(n + 100) },
  'audit.log': { write: (n) => `/journal/${n}.jsonl`, env: (n) => `/journal/${n}.jsonl` },
  'audit.sealKey': { write: (n) => `/seal/${n}.key`, env: (n) => `/seal/${n}.key` },
  'audit.sealSshKey': { write: (n) => `/seal/${n}_ed25519`, env: (n) => `/seal/${n}_ed25519` },
  'audit.syslog': { write: (n) => (n % 2 === 0 ? 'authpriv.notice' : 'daemon.info'), env: (n) => (n % 2 === 0 ? 'authpriv.notice' : 'daemon.info') },
  'boot.timeout': { write: (n) => n + 10, env: (n) => String(n + 10) },
  'boot.guardWindow': { write: (n) => n + 300, env: (n) => String(n + 300) },
};

const LAYERS = ['system', 'user', 'environment', 'flag'] as const;

describe('precedence: flag > environment > user config > system config > default', () => {
  // Layer n gives the setting its n-th sample; with layers 0..k present, layer k must win.
  const rows = SETTINGS.flatMap((spec) => LAYERS.map((layer, top) => [spec.key, layer, top] as const)).filter(([key, layer]) => layer !== 'flag' || SETTINGS.find((s) => s.key === key)?.flag !== undefined);
  it.each(rows)('%s from the %s', (key, _layer, top) => {
    const spec = SETTINGS.find((s) => s.key === key)!;
    const sample = SAMPLES[key];
    const [section, name] = key.split('.') as [keyof ConfigValues, string];
    const files = [system({ [section]: { [name]: sample.write(0) } })];
    if (top >= 1) files.push(user({ [section]: { [name]: sample.write(1) } }));
    const env = top >= 2 ? { [spec.env]: sample.env(2) } : {};
    const flags = top >= 3 ? { [spec.flag as string]: sample.write(3) } : {};
    // A signature requirement of the system config is the exception (next block): not required there here.
    if (key === 'verify.requireSignature') files[0] = system({ verify: { requireSignature: false } });
    const setting = resolved({ files, env, flags }).get(key);
    const sources = [SYSTEM, USER, spec.env, `--${spec.flag}`];
    const expected = key === 'verify.requireSignature' && top === 0 ? false : sample.write(top);
    expect(setting).toEqual({ value: expected, source: sources[top] });
  });

  it('falls back to the defaults, named as such', () => {
    const settings = resolved({});
    for (const [key, value] of Object.entries(DEFAULTS)) expect(settings.get(key as keyof typeof DEFAULTS)).toEqual({ value, source: 'default' });
    expect(settings.get('host.host')).toBeUndefined();
  });

  it('reads a relative path of a config file against its directory, one from the environment or a flag against the working directory', () => {
    const files = [system({ verify: { allowedSigners: 'allowed_signers' }, audit: { log: '../log/audit.jsonl' } })];
    expect(resolved({ files }).get('verify.allowedSigners')?.value).toBe('/etc/xlp/allowed_signers');
    expect(resolved({ files }).get('audit.log')?.value).toBe('/etc/log/audit.jsonl');
    expect(resolved({ files, env: { XLP_AUDIT_LOG: 'here.jsonl' } }).get('audit.log')?.value).toBe(`${process.cwd()}/here.jsonl`);
    expect(resolved({ files, flags: { 'allowed-signers': 'mine' } }).get('verify.allowedSigners')?.value).toBe(`${process.cwd()}/mine`);
  });

  it('treats an empty variable as unset, and refuses one it cannot read', () => {
    expect(resolved({ env: { XLP_TIMEOUT: '', XLP_BACKEND: '' } }).get('host.timeout')).toEqual({ value: 30, source: 'default' });
    for (const [variable, value] of [
      ['XLP_REQUIRE_SIGNATURE', 'maybe'],
      ['XLP_TIMEOUT', '30s'],
      ['XLP_LOCK_TIMEOUT', '86401'],
      ['XLP_BACKEND', 'kvm'],
      ['XLP_ALLOWED_SIGNERS', 'a\nb'],
    ]) {
      expect(() => resolved({ env: { [variable as string]: value as string } }), variable).toThrow(expect.objectContaining({ exitCode: ExitCode.USAGE, message: expect.stringContaining(`${variable}=${JSON.stringify(value)} is not usable`) }));
    }
  });
});

describe('the system config requires signatures: only a flag changes that', () => {
  const requiring = system({ verify: { requireSignature: true, allowedSigners: '/etc/xlp/allowed_signers', signer: 'release@example.org' } });

  it('keeps the requirement against the environment and the user config, and says so', () => {
    const settings = resolved({ files: [requiring, user({ verify: { requireSignature: false, allowedSigners: '/home/op/keys' } })], env: { XLP_REQUIRE_SIGNATURE: '0', XLP_SIGNER: 'me@example.org' } });
    expect(settings.get('verify.requireSignature')).toEqual({ value: true, source: SYSTEM });
    expect(settings.get('verify.allowedSigners')).toEqual({ value: '/etc/xlp/allowed_signers', source: SYSTEM });
    expect(settings.get('verify.signer')).toEqual({ value: 'release@example.org', source: SYSTEM });
    expect(settings.waived).toBeUndefined();
    expect(settings.overruled).toEqual([
      `${USER} sets verify.requireSignature to false, which does not change the signature policy of ${SYSTEM}: only a flag does (--no-require-signature)`,
      `XLP_REQUIRE_SIGNATURE sets verify.requireSignature to false, which does not change the signature policy of ${SYSTEM}: only a flag does (--no-require-signature)`,
      `${USER} sets verify.allowedSigners to "/home/op/keys", which does not change the signature policy of ${SYSTEM}: only a flag does (--allowed-signers)`,
      `XLP_SIGNER sets verify.signer to "me@example.org", which does not change the signature policy of ${SYSTEM}: only a flag does (--signer)`,
    ]);
  });

  it('lets --no-require-signature waive it, recording who required it', () => {
    const settings = resolved({ files: [requiring], env: { XLP_REQUIRE_SIGNATURE: '0' }, flags: { 'require-signature': false } });
    expect(settings.get('verify.requireSignature')).toEqual({ value: false, source: '--require-signature' });
    expect(settings.waived).toEqual({ value: true, source: SYSTEM });
    expect(signaturePolicy(settings)).toMatchObject({ required: false, waiver: `signature (required by ${SYSTEM}, waived by --no-require-signature)` });
  });

  it('lets flags name other trusted keys and signer', () => {
    const settings = resolved({ files: [requiring], flags: { 'allowed-signers': '/srv/keys', signer: 'ci@example.org' } });
    expect(signaturePolicy(settings)).toMatchObject({ required: true, requiredBy: SYSTEM, allowedSigners: '/srv/keys', allowedSignersChosen: true, signer: 'ci@example.org' });
  });

  it('does not hold a requirement set elsewhere: the user config and the environment follow the plain order', () => {
    const fromUser = [user({ verify: { requireSignature: true } })];
    expect(resolved({ files: fromUser, env: { XLP_REQUIRE_SIGNATURE: '0' } }).get('verify.requireSignature')).toEqual({ value: false, source: 'XLP_REQUIRE_SIGNATURE' });
    expect(resolved({ files: fromUser, env: { XLP_REQUIRE_SIGNATURE: '0' } }).overruled).toEqual([]);
    // A flag waiving a requirement from anywhere is recorded the same way.
    expect(resolved({ files: fromUser, flags: { 'require-signature': false } }).waived).toEqual({ value: true, source: USER });
    // Nothing to waive: no waiver.
    expect(resolved({ flags: { 'require-signature': false } }).waived).toBeUndefined();
  });

  it('lets a weaker setting make the policy stricter where the system config asks for nothing', () => {
    const settings = resolved({ files: [system({ verify: { requireSignature: false } })], env: { XLP_REQUIRE_SIGNATURE: '1' } });
    expect(signaturePolicy(settings)).toMatchObject({ required: true, requiredBy: 'XLP_REQUIRE_SIGNATURE', allowedSignersChosen: false });
  });
});

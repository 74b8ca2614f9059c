/**
 * Configuration and signature policy through the built CLI: an invalid config refused by every
 * command alike (exit 2, the same line), settings taken from the config below the environment and
 * the flags, a payload uploaded with the raw tool refused by apply while signatures are required
 * (and what it takes to apply it anyway, journaled), FILE.sig found beside a payload, and a system
 * config whose requirement neither the environment nor a user config waives.
 */
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { initSimState, readSimState } from '../../src/host/sim/admin.js';
import { REPO, isolatedEnv, runXlp, withTempDir, type CliResult } from '../helpers/cli.js';
import { TEST_XEN_BUILD_ID as XEN, buildPayload, fixtureDir } from '../helpers/payloads.js';
import { systemConfigUnavailable, xlpWithSystemConfig } from '../helpers/system-config.js';

let source: string;
let keys: { release: string; other: string; allowed: string };

beforeAll(async () => {
  source = await buildPayload({ id: 'cfg', modinfo: ['XSA=7'] });
  const dir = await fixtureDir();
  const keypair = async (name: string): Promise<string> => {
    const key = join(dir, name);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
    return key;
  };
  const [release, other] = [await keypair('release'), await keypair('other')];
  const allowed = join(dir, 'allowed_signers');
  const pub = (await readFile(`${release}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  await writeFile(allowed, `release@example.org namespaces="xlp-payload" ${pub}\n`, { mode: 0o644 });
  keys = { release, other, allowed };
}, 60_000);

interface Home {
  readonly home: string;
  /** The payload, copied into the home (so FILE.sig beside it is the test's own). */
  readonly payload: string;
  readonly state: string;
  readonly env: Record<string, string>;
  readonly userConfig: string;
  xlp(...args: string[]): Promise<CliResult>;
  config(content: unknown, mode?: number): Promise<void>;
  journal(): Promise<Array<Record<string, unknown>>>;
  sign(key: string): Promise<void>;
  /** `xen-livepatch upload NAME FILE` behind xlp's back. */
  rawUpload(name: string): Promise<void>;
}

/** A private world: a simulated host reached through XLP_SIM_STATE (the backend comes from each test), a user config dir, a journal. */
async function withHome(use: (h: Home) => Promise<void>): Promise<void> {
  await withTempDir('xlp-e2e-config-', async (home) => {
    const payload = join(home, 'xsa.livepatch');
    await copyFile(source, payload);
    const state = join(home, 'sim', 'state.json');
    await initSimState(state, { buildId: XEN });
    const env = isolatedEnv(home, { XLP_SIM_STATE: state, XLP_SIM_BUILD_ID: XEN });
    await mkdir(join(home, 'config'), { mode: 0o700 });
    const userConfig = join(home, 'config', 'config.json');
    await use({
      home,
      payload,
      state,
      env,
      userConfig,
      xlp: (...args) => runXlp(args, env),
      config: async (content, mode = 0o600) => {
        await writeFile(userConfig, typeof content === 'string' ? content : JSON.stringify(content));
        await chmod(userConfig, mode);
      },
      journal: async () =>
        (await readFile(join(home, 'sim', 'audit.jsonl'), 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      sign: async (key) => {
        const signed = await runXlp(['sign', payload, '--key', key, '--force'], env);
        expect(signed.exitCode, signed.stderr).toBe(0);
      },
      rawUpload: async (name) => {
        const raw = await execa(join(REPO, 'bin', 'sim', 'xen-livepatch'), ['upload', name, payload], { env, extendEnv: false, reject: false });
        expect(raw.exitCode, String(raw.stderr)).toBe(0);
      },
    });
  });
}

const listed = async (h: Home) => (JSON.parse((await h.xlp('list', '--json')).stdout) as { payloads: Array<{ name: string; state: string }> }).payloads.map(({ name, state }) => ({ name, state }));
const intents = async (h: Home) => (await h.journal()).filter((record) => record.type === 'intent');

describe('an invalid config is refused by every command alike', () => {
  it('with the same line, exit 2, in text and JSON, before anything is done', async () => {
    await withHome(async (h) => {
      await h.xlp('load', h.payload, '--name', 'live', '--backend', 'sim', '-q');
      await h.config('{\n  "verify": []\n}');
      const expected = `${h.userConfig}:2:13: "verify" must be an object, not an array; write e.g. {"requireSignature":true,"allowedSigners":"/etc/xlp/allowed_signers"}`;
      const commands = [
        ['list', '--backend', 'sim'],
        ['status', '--backend', 'sim'],
        ['load', h.payload, '--backend', 'sim'],
        ['upload', 'other', h.payload, '--backend', 'sim'],
        ['apply', 'live', '--backend', 'sim'],
        ['replace', 'live', '--backend', 'sim'],
        ['revert', 'live', '--backend', 'sim'],
        ['unload', 'live', '--backend', 'sim'],
        ['audit', 'verify', '--backend', 'sim'],
        ['audit', 'log', '--backend', 'sim'],
        ['inspect', h.payload],
        ['sign', h.payload, '--key', keys.release, '--output', join(h.home, 'never.sig')],
      ];
      const before = await readSimState(h.state, h.env);
      for (const command of commands) {
        const text = await h.xlp(...command);
        expect([text.exitCode, text.stdout], command.join(' ')).toEqual([ExitCode.USAGE, '']);
        expect(text.stderr, command.join(' ')).toBe(`xlp: error: ${expected}; the settings are described in docs/verification.md (Configuration) and docs/schema/config.schema.json\n`);
        const json = await h.xlp(...command, '--json');
        expect(json.exitCode, command.join(' ')).toBe(ExitCode.USAGE);
        expect(JSON.parse(json.stdout), command.join(' ')).toMatchObject({ error: { code: 'config-invalid', exitCode: 2, message: expected } });
      }
      // list without its fast path answers the same.
      expect(await runXlp(['list', '--backend', 'sim'], { ...h.env, XLP_FAST_PATH: '0' })).toEqual(await h.xlp('list', '--backend', 'sim'));
      expect(await readSimState(h.state, h.env)).toEqual(before);
    });
  });

  it('names the real fault of a config others could write', async () => {
    await withHome(async (h) => {
      await h.config({ host: { backend: 'sim' } }, 0o666);
      for (const command of [['list'], ['load', h.payload], ['audit', 'verify']]) {
        const result = await h.xlp(...command);
        expect(result.exitCode).toBe(ExitCode.USAGE);
        expect(result.stderr).toBe(`xlp: error: config file ${h.userConfig} refused: writable by others (mode 0666); only root or its owner may be able to change it: chmod go-w ${h.userConfig}\n`);
      }
    });
  });
});

describe('settings from the config, below the environment and the flags', () => {
  it('takes the backend and the journal from the config; the environment and then a flag override them', async () => {
    await withHome(async (h) => {
      const journal = join(h.home, 'from-config.jsonl');
      await h.config({ host: { backend: 'sim', timeout: 5 }, audit: { log: '../from-config.jsonl' } });
      // No --backend, no XLP_BACKEND: the config's simulated host; the journal where the config says (relative to it).
      expect((await h.xlp('load', h.payload, '-q')).exitCode).toBe(0);
      expect(await readFile(journal, 'utf8')).toContain('"operation":"load"');
      expect((await readSimState(h.state, h.env)).payloads.map((p) => p.name)).toEqual(['xsa']);
      // The environment wins over the config: there is no real xen-livepatch here (exit 3).
      const real = await runXlp(['list'], { ...h.env, XLP_BACKEND: 'xen-livepatch' });
      expect(real.exitCode).toBe(ExitCode.HOST_UNSUPPORTED);
      // The flag wins over the environment.
      const flagged = await runXlp(['list', '--backend', 'sim', '--json'], { ...h.env, XLP_BACKEND: 'xen-livepatch' });
      expect(flagged.exitCode, flagged.stderr).toBe(0);
      expect(JSON.parse(flagged.stdout).payloads.map((p: { name: string }) => p.name)).toEqual(['xsa']);
    });
  });
});

describe('signature policy', () => {
  it('refuses to apply a payload uploaded with the raw tool while signatures are required; both overrides apply it, journaled', async () => {
    await withHome(async (h) => {
      await h.config({ verify: { requireSignature: true, allowedSigners: keys.allowed }, host: { backend: 'sim' } });
      await h.rawUpload('raw');
      const refused = await h.xlp('apply', 'raw');
      expect(refused.exitCode).toBe(ExitCode.UNVERIFIED);
      expect(refused.stderr).toContain(`pass --accept-unverified and --no-require-signature (signatures are required by ${h.userConfig}) to apply it anyway`);
      const unsigned = await h.xlp('apply', 'raw', '--accept-unverified', '--json');
      expect(unsigned.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
      expect(JSON.parse(unsigned.stdout).error).toMatchObject({ code: 'signature-unverified', message: `raw has no verified signature: xlp did not upload it, so no signature of its bytes was verified (signatures are required by ${h.userConfig})` });
      expect(await listed(h)).toEqual([{ name: 'raw', state: 'CHECKED' }]);
      expect(await intents(h)).toEqual([]);

      const applied = await h.xlp('apply', 'raw', '--accept-unverified', '--no-require-signature', '-q');
      expect(applied.exitCode, applied.stderr).toBe(0);
      expect(await listed(h)).toEqual([{ name: 'raw', state: 'APPLIED' }]);
      expect((await intents(h)).map((intent) => intent.skippedChecks)).toEqual([
        ['--accept-unverified: apply of raw, whose bytes xlp did not upload', `signature (required by ${h.userConfig}, waived by --no-require-signature)`],
      ]);
    });
  });

  it('applies what xlp uploaded with a verified signature, and refuses what it uploaded without one', async () => {
    await withHome(async (h) => {
      await h.config({ verify: { requireSignature: true, allowedSigners: keys.allowed }, host: { backend: 'sim' } });
      // Uploaded while the requirement was waived: no verified signature in xlp's record.
      expect((await h.xlp('upload', 'waived', h.payload, '--no-require-signature', '-q')).exitCode).toBe(0);
      const refused = await h.xlp('apply', 'waived');
      expect([refused.exitCode, refused.stderr]).toEqual([ExitCode.INVALID_PAYLOAD, expect.stringContaining('waived has no verified signature: xlp uploaded it without verifying a signature')]);
      await h.xlp('unload', 'waived', '-q');
      await h.sign(keys.release);
      expect((await h.xlp('upload', 'signed', h.payload, '-q')).exitCode).toBe(0);
      const applied = await h.xlp('apply', 'signed', '--json');
      expect(applied.exitCode, applied.stderr).toBe(0);
      expect(JSON.parse(applied.stdout).checks).toMatchObject({ signer: 'release@example.org', passed: expect.arrayContaining([`signature by release@example.org, verified when xlp uploaded it (required by ${h.userConfig})`]) });
      expect((await intents(h)).at(-1)).toMatchObject({ operation: 'apply', signer: 'release@example.org' });
    });
  });

  it('checks FILE.sig beside the payload when --allowed-signers is given, and says when there is none', async () => {
    await withHome(async (h) => {
      const sim = ['--backend', 'sim', '--allowed-signers', keys.allowed, '--json'];
      const unsigned = await h.xlp('upload', 'xsa', h.payload, ...sim);
      expect(unsigned.exitCode, unsigned.stderr).toBe(0);
      expect(JSON.parse(unsigned.stdout).checks.unchecked).toContain(`signature: there is no ${h.payload}.sig (signatures are not required)`);
      await h.xlp('unload', 'xsa', '--backend', 'sim', '-q');

      await h.sign(keys.other);
      const foreign = await h.xlp('upload', 'xsa', h.payload, ...sim);
      expect([foreign.exitCode, JSON.parse(foreign.stdout).error.code]).toEqual([ExitCode.INVALID_PAYLOAD, 'signature-untrusted']);

      await h.sign(keys.release);
      const signed = await h.xlp('upload', 'xsa', h.payload, ...sim);
      expect(signed.exitCode, signed.stderr).toBe(0);
      expect(JSON.parse(signed.stdout).checks).toMatchObject({ signer: 'release@example.org', passed: expect.arrayContaining([`signature by release@example.org (${h.payload}.sig, allowed signers ${keys.allowed})`]) });
      expect((await intents(h)).at(-1)).toMatchObject({ operation: 'upload', signer: 'release@example.org' });
    });
  });
});

const unavailable = await withTempDir('xlp-e2e-sysconfig-', systemConfigUnavailable);

describe('a system config requiring signatures (a private /etc/xlp in a mount namespace)', () => {
  if (unavailable !== undefined) {
    // Under CI this must run: a skip would hide a regression.
    if (process.env.CI) it('can lay a private /etc/xlp (needs root, unshare -m and overlayfs under CI)', () => expect.fail(unavailable));
    else it.skip(`skipped: ${unavailable}`, () => {});
    return;
  }

  it('is waived neither by XLP_REQUIRE_SIGNATURE=0 nor by a user config, only by --no-require-signature, journaled', async () => {
    await withHome(async (h) => {
      const etc = join(h.home, 'etc-xlp');
      await mkdir(etc, { mode: 0o755 });
      await writeFile(join(etc, 'config.json'), JSON.stringify({ verify: { requireSignature: true, allowedSigners: keys.allowed }, host: { backend: 'sim' } }), { mode: 0o644 });
      await h.config({ verify: { requireSignature: false } });
      const xlp = (env: Record<string, string>, ...args: string[]) => xlpWithSystemConfig(etc, join(h.home, 'scratch'), args, { ...h.env, ...env });

      const refused = await xlp({ XLP_REQUIRE_SIGNATURE: '0' }, 'load', h.payload, '-q');
      expect(refused.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
      expect(refused.stderr).toBe(
        [
          `xlp: ${h.userConfig} sets verify.requireSignature to false, which does not change the signature policy of /etc/xlp/config.json: only a flag does (--no-require-signature)`,
          'xlp: XLP_REQUIRE_SIGNATURE sets verify.requireSignature to false, which does not change the signature policy of /etc/xlp/config.json: only a flag does (--no-require-signature)',
          `xlp: error: no signature file ${h.payload}.sig (signatures are required by /etc/xlp/config.json); sign the payload (xlp sign FILE --key KEY) and keep FILE.sig beside it, or name the signature with --signature; only --no-require-signature waives the requirement (journaled)`,
          '',
        ].join('\n'),
      );
      expect((await readSimState(h.state, h.env)).payloads).toEqual([]);

      const waived = await xlp({}, 'load', h.payload, '-q', '--no-require-signature');
      expect(waived.exitCode, waived.stderr).toBe(0);
      expect((await intents(h)).map((intent) => intent.skippedChecks)).toEqual([['signature (required by /etc/xlp/config.json, waived by --no-require-signature)']]);

      // A system config others could write is refused, naming that fault.
      await writeFile(join(etc, 'config.json'), '{"verify": {"requireSignature": true}}', { mode: 0o644 });
      await chmod(join(etc, 'config.json'), 0o666);
      const writable = await xlp({}, 'list');
      expect([writable.exitCode, writable.stderr]).toEqual([ExitCode.USAGE, 'xlp: error: config file /etc/xlp/config.json refused: writable by others (mode 0666); only root or its owner may be able to change it: chmod go-w /etc/xlp/config.json\n']);
    });
  });
});

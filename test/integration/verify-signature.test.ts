/** OpenSSH payload signatures, with real keys made by ssh-keygen for each run. */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { parsePayload } from '../../src/payload/parse.js';
import { verifyIntegrity } from '../../src/verify/integrity.js';
import { NO_POLICY, waiverText, type SignaturePolicy } from '../../src/verify/policy.js';
import { signBytes, verifySignature } from '../../src/verify/signature.js';
import { buildPayload, fixtureDir } from '../helpers/payloads.js';

let dir: string;
let payload: Uint8Array;
let allowed: string;

async function keypair(name: string): Promise<string> {
  const key = join(dir, name);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return key;
}

async function sign(key: string, bytes: Uint8Array, namespace: string, out: string): Promise<string> {
  const { stdout } = await execa('ssh-keygen', ['-Y', 'sign', '-f', key, '-n', namespace], { input: Buffer.from(bytes), stripFinalNewline: false });
  await writeFile(out, stdout);
  return out;
}

beforeAll(async () => {
  dir = await fixtureDir();
  payload = await readFile(await buildPayload({ id: 'sig', modinfo: ['XSA=1'] }));
  const alice = await keypair('alice');
  await keypair('mallory');
  const pub = (await readFile(`${alice}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  allowed = join(dir, 'allowed_signers');
  await writeFile(allowed, `release@example.org namespaces="xlp-payload" ${pub}\n`, { mode: 0o644 });
});

afterAll(async () => {
  await chmod(allowed, 0o644).catch(() => {});
});

describe('verifySignature', () => {
  it('accepts a signature by an allowed key over exactly these bytes, naming the signer', async () => {
    const sig = join(dir, 'good.sig');
    await writeFile(sig, await signBytes({ bytes: payload, key: join(dir, 'alice') }));
    const verified = await verifySignature({ bytes: payload, signatureFile: sig, allowedSigners: allowed });
    expect(verified.signer).toBe('release@example.org');
    expect(verified.detail).toMatch(/^Good "xlp-payload" signature for release@example.org with ED25519 key SHA256:/);
    await expect(verifySignature({ bytes: payload, signatureFile: sig, allowedSigners: allowed, identity: 'release@example.org' })).resolves.toMatchObject({ signer: 'release@example.org' });
  });

  it('refuses a signature by a key that is not in allowed_signers', async () => {
    const sig = await sign(join(dir, 'mallory'), payload, 'xlp-payload', join(dir, 'mallory.sig'));
    await expect(verifySignature({ bytes: payload, signatureFile: sig, allowedSigners: allowed })).rejects.toMatchObject({
      code: 'signature-untrusted',
      exitCode: ExitCode.INVALID_PAYLOAD,
      message: expect.stringContaining('not in'),
    });
  });

  it('refuses a signature made in another namespace', async () => {
    const sig = await sign(join(dir, 'alice'), payload, 'file', join(dir, 'namespace.sig'));
    await expect(verifySignature({ bytes: payload, signatureFile: sig, allowedSigners: allowed })).rejects.toMatchObject({
      code: 'signature-wrong-namespace',
      exitCode: ExitCode.INVALID_PAYLOAD,
    });
  });

  it('refuses the signature of a file changed after signing (one flipped byte)', async () => {
    const sig = await sign(join(dir, 'alice'), payload, 'xlp-payload', join(dir, 'tamper.sig'));
    const tampered = Uint8Array.from(payload);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
    await expect(verifySignature({ bytes: tampered, signatureFile: sig, allowedSigners: allowed })).rejects.toMatchObject({
      code: 'signature-mismatch',
      exitCode: ExitCode.INVALID_PAYLOAD,
      message: expect.stringMatching(/changed after it was signed/),
    });
  });

  it('tells a missing signature file, a file that is no signature, and a signer other than the required one apart', async () => {
    await expect(verifySignature({ bytes: payload, signatureFile: join(dir, 'absent.sig'), allowedSigners: allowed })).rejects.toMatchObject({ code: 'signature-missing' });
    const junk = join(dir, 'junk.sig');
    await writeFile(junk, 'not a signature\n');
    await expect(verifySignature({ bytes: payload, signatureFile: junk, allowedSigners: allowed })).rejects.toMatchObject({ code: 'signature-malformed' });
    const sig = await sign(join(dir, 'alice'), payload, 'xlp-payload', join(dir, 'who.sig'));
    await expect(verifySignature({ bytes: payload, signatureFile: sig, allowedSigners: allowed, identity: 'someone-else' })).rejects.toMatchObject({
      code: 'signature-wrong-signer',
      message: expect.stringContaining('signed by release@example.org'),
    });
  });

  it('refuses an allowed-signers file others could write, and a key the file restricts to other namespaces', async () => {
    const sig = await sign(join(dir, 'alice'), payload, 'xlp-payload', join(dir, 'restricted.sig'));
    await chmod(allowed, 0o666);
    await expect(verifySignature({ bytes: payload, signatureFile: sig, allowedSigners: allowed })).rejects.toMatchObject({
      code: 'signers-unusable',
      message: `the allowed-signers file ${allowed}: refused: writable by others (mode 0666)`,
    });
    await chmod(allowed, 0o644);
    const restricted = join(dir, 'allowed_restricted');
    await writeFile(restricted, (await readFile(allowed, 'utf8')).replace('namespaces="xlp-payload"', 'namespaces="git"'), { mode: 0o644 });
    await expect(verifySignature({ bytes: payload, signatureFile: sig, allowedSigners: restricted })).rejects.toMatchObject({ code: 'signature-not-allowed' });
  });
});

describe('verifyIntegrity: which signature is checked, by the signature policy', () => {
  /** The payload as FILE in a directory of its own, with FILE.sig beside it when given. */
  async function file(name: string, signature?: 'good' | 'foreign'): Promise<string> {
    const path = join(dir, `${name}.livepatch`);
    await writeFile(path, payload);
    if (signature !== undefined) await sign(join(dir, signature === 'good' ? 'alice' : 'mallory'), payload, 'xlp-payload', `${path}.sig`);
    return path;
  }
  const check = (path: string, policy: SignaturePolicy, signature?: string) => verifyIntegrity(path, payload, parsePayload(payload), { policy, ...(signature === undefined ? {} : { signature }) });

  it('checks FILE.sig beside the payload when an allowed-signers file was configured or given, and says when there is none', async () => {
    const policy: SignaturePolicy = { ...NO_POLICY, allowedSigners: allowed, allowedSignersChosen: true };
    const signed = await file('beside', 'good');
    expect(await check(signed, policy)).toEqual({ signer: 'release@example.org', passed: [`signature by release@example.org (${signed}.sig, allowed signers ${allowed})`], unchecked: [], skipped: [] });
    const unsigned = await file('unsigned');
    expect(await check(unsigned, policy)).toEqual({ passed: [], unchecked: [`signature: there is no ${unsigned}.sig (signatures are not required)`], skipped: [] });
    // Present but not trusted: refused, required or not.
    await expect(check(await file('foreign', 'foreign'), policy)).rejects.toMatchObject({ code: 'signature-untrusted' });
  });

  it('leaves FILE.sig alone when nothing says which keys to trust', async () => {
    expect(await check(await file('default-signers', 'foreign'), NO_POLICY)).toEqual({ passed: [], unchecked: [], skipped: [] });
  });

  it('requires it when the policy does, saying who requires it and what alone waives it', async () => {
    const required: SignaturePolicy = { ...NO_POLICY, required: true, requiredBy: '/etc/xlp/config.json', allowedSigners: allowed };
    const unsigned = await file('required');
    await expect(check(unsigned, required)).rejects.toMatchObject({
      code: 'signature-missing',
      message: `no signature file ${unsigned}.sig (signatures are required by /etc/xlp/config.json)`,
      hint: expect.stringContaining('only --no-require-signature waives the requirement (journaled)'),
    });
    const signed = await file('required-signed', 'good');
    expect((await check(signed, required)).passed).toEqual([`signature by release@example.org (${signed}.sig, required by /etc/xlp/config.json)`]);
  });

  it('records a waived requirement as skipped, unless a signature was verified all the same', async () => {
    const waived: SignaturePolicy = { ...NO_POLICY, waiver: waiverText('/etc/xlp/config.json'), allowedSigners: allowed, allowedSignersChosen: true };
    expect((await check(await file('waived'), waived)).skipped).toEqual(['signature (required by /etc/xlp/config.json, waived by --no-require-signature)']);
    expect((await check(await file('waived-signed', 'good'), waived)).skipped).toEqual([]);
    // --signature asks for verification whatever the policy.
    await expect(check(await file('asked'), NO_POLICY, join(dir, 'absent.sig'))).rejects.toMatchObject({ code: 'signature-missing' });
  });
});

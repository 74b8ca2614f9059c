/** Sealing the chain head: a truncated tail, a forged seal and unsealed appends are caught. */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/audit/journal-writer.js';
import type { RecordDraft } from '../../src/audit/record.js';
import { Sealer, type SealConfig } from '../../src/audit/seal.js';
import { readSeal, sealPath } from '../../src/audit/seal-file.js';
import { verifyJournal } from '../../src/audit/verify.js';

let dir: string;
let path: string;
let key: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-audit-seal-'));
  path = join(dir, 'j', 'audit.jsonl');
  key = join(dir, 'seal.key');
  await writeFile(key, 'k'.repeat(32), { mode: 0o600 });
  process.env.XLP_RUNTIME_DIR = join(dir, 'run');
});
afterEach(async () => {
  delete process.env.XLP_RUNTIME_DIR;
  await rm(dir, { recursive: true, force: true });
});

const draft = (name: string): RecordDraft => ({
  type: 'intent', time: new Date().toISOString(), host: 'localhost', controller: 'c', user: 'root', uid: 0, pid: 1, xlp: '0', argv: [], operation: 'apply', name, stateBefore: [],
});

async function append(count: number, seal?: SealConfig): Promise<void> {
  const journal = new Journal({ path, lockTimeoutMs: 1000, ...(seal === undefined ? {} : { sealer: Sealer.from(path, seal) }) });
  for (let i = 0; i < count; i++) await journal.append(draft(`p${i}`));
  await journal.close();
}

async function dropLastLine(): Promise<void> {
  const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -2);
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
}

describe('HMAC sealing', () => {
  it('verifies a sealed journal with its key', async () => {
    await append(3, { hmacKeyFile: key });
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: true, seal: { status: 'valid', seq: 3, method: 'hmac-sha256' } });
  });

  it('catches a truncated tail, even without the key', async () => {
    await append(3, { hmacKeyFile: key });
    await dropLastLine();
    const withKey = await verifyJournal(path, { hmacKeyFile: key });
    expect(withKey).toMatchObject({ ok: false, journal: { records: 2 }, seal: { status: 'truncated', message: expect.stringContaining('records 3 to 3 were removed') } });
    expect((await verifyJournal(path, {})).ok).toBe(false);
  });

  it('catches a truncated tail with a forged seal', async () => {
    await append(3, { hmacKeyFile: key });
    await dropLastLine();
    const other = join(dir, 'other.key');
    await writeFile(other, 'x'.repeat(32), { mode: 0o600 });
    // Re-seal the truncated journal with a key the attacker knows.
    await new Sealer(path, { hmacKeyFile: other }).write(2, JSON.parse((await readFile(path, 'utf8')).split('\n')[1] as string).hash, await readSeal(path));
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: false, seal: { status: 'invalid' } });
  });

  it('catches records appended without the seal', async () => {
    await append(2, { hmacKeyFile: key });
    await append(1);
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: false, seal: { status: 'unsealed-tail' } });
  });

  it('a sealing writer refuses to seal over a journal changed behind its back', async () => {
    await append(3, { hmacKeyFile: key });
    await dropLastLine();
    await expect(append(1, { hmacKeyFile: key })).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('changed outside xlp') });
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(3);
  });

  it('requires the seal when a key is given, and refuses a key others can read', async () => {
    await append(1);
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: false, seal: { status: 'absent' } });
    expect(await verifyJournal(path, {})).toMatchObject({ ok: true, seal: { status: 'absent' } });
    await chmod(key, 0o644);
    path = join(dir, 'fresh', 'audit.jsonl');
    await expect(append(1, { hmacKeyFile: key })).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('readable by others') });
  });
});

describe('a seal is bound to its method', () => {
  const rewriteSeal = async (change: (seal: Record<string, unknown>) => Record<string, unknown>) =>
    writeFile(sealPath(path), `${JSON.stringify(change(JSON.parse(await readFile(sealPath(path), 'utf8'))))}\n`);

  it('with an HMAC key, a seal that claims the ssh method fails instead of going unchecked', async () => {
    await append(2, { hmacKeyFile: key });
    await rewriteSeal((seal) => ({ ...seal, method: 'ssh' }));
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: false, seal: { status: 'wrong-method', method: 'ssh' } });
    // A sealing writer with the HMAC key refuses it too.
    await expect(append(1, { hmacKeyFile: key })).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('is sealed with ssh but this xlp seals with hmac-sha256') });
  });

  it('with allowed signers, an HMAC seal fails', async () => {
    await append(1, { hmacKeyFile: key });
    const allowed = join(dir, 'allowed_signers');
    await writeFile(allowed, 'auditor namespaces="xlp-audit" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n');
    expect(await verifyJournal(path, { allowedSigners: allowed })).toMatchObject({ ok: false, seal: { status: 'wrong-method', method: 'hmac-sha256' } });
  });

  it('a seal naming a method xlp does not know fails, with a key or without', async () => {
    await append(1, { hmacKeyFile: key });
    await rewriteSeal((seal) => ({ ...seal, method: 'none' }));
    for (const config of [{}, { hmacKeyFile: key }]) {
      expect(await verifyJournal(path, config)).toMatchObject({ ok: false, seal: { status: 'malformed', message: expect.stringContaining('names a sealing method xlp does not know ("none"') } });
    }
  });

  it('with a key, a journal with records and no seal fails; an empty one passes', async () => {
    await mkdir(join(dir, 'j'), { mode: 0o700 });
    await writeFile(path, '', { mode: 0o600 });
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: true, seal: { status: 'absent' } });
    await append(1, { hmacKeyFile: key });
    await rm(sealPath(path));
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: false, seal: { status: 'absent' } });
  });
});

describe('ssh signature sealing', () => {
  it('signs the head with ssh-keygen and verifies it against allowed signers', async () => {
    const sshKey = join(dir, 'id_ed25519');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'audit', '-f', sshKey]);
    const allowed = join(dir, 'allowed_signers');
    await writeFile(allowed, `auditor@example namespaces="xlp-audit" ${(await readFile(`${sshKey}.pub`, 'utf8')).trim()}\n`);
    await append(2, { sshKeyFile: sshKey });
    await append(1, { sshKeyFile: sshKey });
    expect(JSON.parse(await readFile(sealPath(path), 'utf8'))).toMatchObject({ method: 'ssh', seq: 3 });
    expect(await verifyJournal(path, { allowedSigners: allowed })).toMatchObject({ ok: true, seal: { status: 'valid' } });

    const stranger = join(dir, 'stranger');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    await writeFile(allowed, `auditor@example namespaces="xlp-audit" ${(await readFile(`${stranger}.pub`, 'utf8')).trim()}\n`);
    expect(await verifyJournal(path, { allowedSigners: allowed })).toMatchObject({ ok: false, seal: { status: 'invalid' } });
  });
});

/** Sealing the chain head: a truncated tail, a forged seal and unsealed appends are caught. */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/audit/journal-writer.js';
import type { RecordDraft } from '../../src/audit/record.js';
import { Sealer, sealPath, type SealConfig } from '../../src/audit/seal.js';
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
    expect(withKey).toMatchObject({ ok: false, records: 2, seal: { status: 'truncated', message: expect.stringContaining('records 3 to 3 were removed') } });
    expect((await verifyJournal(path, {})).ok).toBe(false);
  });

  it('catches a truncated tail with a forged seal', async () => {
    await append(3, { hmacKeyFile: key });
    await dropLastLine();
    const other = join(dir, 'other.key');
    await writeFile(other, 'x'.repeat(32), { mode: 0o600 });
    // Re-seal the truncated journal with a key the attacker knows.
    await new Sealer(path, { hmacKeyFile: other }).write(2, JSON.parse((await readFile(path, 'utf8')).split('\n')[1] as string).hash);
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
    await expect(append(1, { hmacKeyFile: key })).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('readable by others') });
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

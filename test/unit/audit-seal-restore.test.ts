/**
 * The one failure of a sealed append that comes after the new seal took the old one's place: the
 * fsync of the directory after the rename. The record is cut back, and the old seal must come back
 * with it, or the seal would name a record the journal no longer holds.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Journal } from '../../src/audit/journal-writer.js';
import type { RecordDraft } from '../../src/audit/record.js';
import { sealPath } from '../../src/audit/seal-file.js';
import { Sealer } from '../../src/audit/seal.js';
import { verifyJournal } from '../../src/audit/verify.js';

const fault = vi.hoisted(() => ({ armed: false }));
vi.mock('../../src/audit/sync-dir.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/audit/sync-dir.js')>();
  return {
    syncDirectory: async (path: string) => {
      if (!fault.armed) return real.syncDirectory(path);
      fault.armed = false;
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    },
  };
});

let dir: string;
let path: string;
let key: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-audit-seal-restore-'));
  path = join(dir, 'j', 'audit.jsonl');
  key = join(dir, 'seal.key');
  await writeFile(key, 'k'.repeat(32), { mode: 0o600 });
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const draft = (name: string): RecordDraft => ({
  type: 'intent', time: new Date().toISOString(), host: 'h', controller: 'c', user: 'root', uid: 0, pid: 1, xlp: '0', argv: [], operation: 'apply', name,
});

it('a directory fsync failing after the seal was renamed puts the previous seal back and cuts the record', async () => {
  const journal = new Journal({ path, lockTimeoutMs: 1000, sealer: Sealer.from(path, { hmacKeyFile: key }) });
  await journal.append(draft('a'));
  const [journalBefore, sealBefore] = await Promise.all([readFile(path), readFile(sealPath(path), 'utf8')]);
  fault.armed = true;
  await expect(journal.append(draft('b'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('cannot seal the audit journal') });
  await journal.close();
  expect(await readFile(path)).toEqual(journalBefore);
  expect(await readFile(sealPath(path), 'utf8')).toBe(sealBefore);
  expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: true, records: 1, seal: { status: 'valid', seq: 1 } });
});

it('the first seal of a journal is removed again, not left naming a record that was cut', async () => {
  // An empty journal that exists already: its creation needs no directory fsync now.
  await mkdir(join(dir, 'j'), { mode: 0o700 });
  await writeFile(path, '', { mode: 0o600 });
  fault.armed = true;
  const journal = new Journal({ path, lockTimeoutMs: 1000, sealer: Sealer.from(path, { hmacKeyFile: key }) });
  await expect(journal.append(draft('a'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('cannot seal the audit journal') });
  await journal.close();
  expect(await readFile(path, 'utf8')).toBe('');
  await expect(readFile(sealPath(path))).rejects.toMatchObject({ code: 'ENOENT' });
});

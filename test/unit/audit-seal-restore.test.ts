/**
 * The one failure of a sealed append that comes after the new seal took the old one's place: the
 * fsync of the directory after the rename. The record is cut back, and the old seal must come back
 * with it, or the seal would name a record the journal no longer holds.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { sealPath } from '../../src/audit/seal-file.js';
import { verifyJournal } from '../../src/audit/verify.js';
import { draft, journalFixture, journalOf } from '../helpers/journal-fixture.js';

const fault = vi.hoisted(() => ({ armed: false }));
vi.mock('../../src/util/sync-dir.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/util/sync-dir.js')>();
  return {
    syncDirectory: async (path: string) => {
      if (!fault.armed) return real.syncDirectory(path);
      fault.armed = false;
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    },
  };
});

const fx = journalFixture('xlp-audit-seal-restore-');

it('a directory fsync failing after the seal was renamed puts the previous seal back and cuts the record', async () => {
  const journal = journalOf(fx, true);
  await journal.append(draft('a'));
  const [journalBefore, sealBefore] = await Promise.all([readFile(fx.path), readFile(sealPath(fx.path), 'utf8')]);
  fault.armed = true;
  await expect(journal.append(draft('b'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('cannot seal the audit journal') });
  await journal.close();
  expect(await readFile(fx.path)).toEqual(journalBefore);
  expect(await readFile(sealPath(fx.path), 'utf8')).toBe(sealBefore);
  expect(await verifyJournal(fx.path, { hmacKeyFile: fx.key })).toMatchObject({ ok: true, journal: { records: 1 }, seal: { status: 'valid', seq: 1 } });
});

it('the first seal of a journal is removed again, not left naming a record that was cut', async () => {
  // An empty journal that exists already: its creation needs no directory fsync now.
  await mkdir(join(fx.dir, 'j'), { mode: 0o700 });
  await writeFile(fx.path, '', { mode: 0o600 });
  fault.armed = true;
  const journal = journalOf(fx, true);
  await expect(journal.append(draft('a'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('cannot seal the audit journal') });
  await journal.close();
  expect(await readFile(fx.path, 'utf8')).toBe('');
  await expect(readFile(sealPath(fx.path))).rejects.toMatchObject({ code: 'ENOENT' });
});

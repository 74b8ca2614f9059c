/**
 * The journal's tail, as status and verify see it (journalTail), and the two journaled commands on
 * the journal itself: recover-tail (the way out of an unexplained tail) and seal --start.
 */
import { createHash } from 'node:crypto';
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recoverTail, startSeal, type JournalCommandOptions } from '../../src/audit/journal-commands.js';
import { sealPath } from '../../src/audit/seal-file.js';
import { journalTail } from '../../src/audit/tail.js';
import { verifyJournal } from '../../src/audit/verify.js';
import { acquireLock } from '../../src/util/lock-file.js';
import { appendNamed, journalFixture, leaveDeadWriter } from '../helpers/journal-fixture.js';

const fx = journalFixture('xlp-audit-tail-');
const appendAll = (count: number, sealed = false) => appendNamed(fx, Array.from({ length: count }, (_, i) => `p${i}`), sealed);

const options = (sealed = false): JournalCommandOptions => ({
  journalPath: fx.path,
  lockTimeoutMs: 1000,
  actor: { controller: 'ctl', user: 'root', uid: 0, pid: process.pid, xlp: '9.9.9' },
  argv: ['audit', 'test'],
  ...(sealed ? { seal: { hmacKeyFile: fx.key } } : {}),
  note: () => {},
});

describe('journalTail', () => {
  it('clean, torn by a dead writer, unexplained, or being appended by a live one', async () => {
    expect(await journalTail(fx.path)).toBeUndefined();
    await appendAll(2);
    const end = (await stat(fx.path)).size;
    expect(await journalTail(fx.path)).toMatchObject({ condition: 'clean', head: { seq: 2, end }, size: end });
    await appendFile(fx.path, '{"v":1,"seq":3');
    expect(await journalTail(fx.path)).toMatchObject({ condition: 'unexplained', head: { seq: 2, end }, message: expect.stringContaining('14 bytes after record 2 do not end with a newline') });
    await leaveDeadWriter(fx);
    expect(await journalTail(fx.path)).toMatchObject({ condition: 'torn', writer: { pid: 999999 }, message: expect.stringContaining('the next change cuts it off') });
    const live = await acquireLock(`${fx.path}.lock`, { timeoutMs: 1000, command: 'a live writer', what: 'the audit journal lock' });
    try {
      expect(await journalTail(fx.path)).toMatchObject({ condition: 'appending', writer: { command: 'a live writer' } });
    } finally {
      await live.release();
    }
  });

  it('on a sealed journal, one record past the sealed head is a tail; more are the seal’s business', async () => {
    await appendAll(1, true);
    await appendAll(1);
    expect(await journalTail(fx.path)).toMatchObject({ condition: 'unexplained', head: { seq: 1 }, message: expect.stringContaining('record 2 is not named by the seal') });
    await appendAll(1);
    expect(await journalTail(fx.path)).toMatchObject({ condition: 'clean' });
    expect(await verifyJournal(fx.path, {})).toMatchObject({ ok: false, seal: { status: 'unsealed-tail' }, tail: { condition: 'clean' } });
  });
});

describe('recover-tail', () => {
  it('moves the unexplained bytes into a private file beside the journal, cuts back, and journals it', async () => {
    await appendAll(2);
    const end = (await stat(fx.path)).size;
    const torn = '{"v":1,"seq":3,"time":"2026';
    await appendFile(fx.path, torn);
    expect(await verifyJournal(fx.path, {})).toMatchObject({ ok: false, journal: { records: 2 }, tail: { condition: 'unexplained' } });

    const record = await recoverTail(options());
    expect(record).toMatchObject({
      seq: 3, type: 'journal', action: 'recover-tail', host: 'localhost', user: 'root', argv: ['audit', 'test'],
      movedAside: { offset: end, bytes: torn.length, sha256: createHash('sha256').update(torn).digest('hex'), reason: expect.stringContaining('do not end with a newline') },
    });
    const kept = join(fx.dir, 'j', record.movedAside.file);
    expect(await readFile(kept, 'utf8')).toBe(torn);
    expect((await stat(kept)).mode & 0o777).toBe(0o600);
    expect(await verifyJournal(fx.path, {})).toMatchObject({ ok: true, journal: { records: 3 }, tail: { condition: 'clean' } });
  });

  it('refuses a clean tail, and a torn one (which it cuts off, as every writer does), moving nothing', async () => {
    await appendAll(1);
    await expect(recoverTail(options())).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('no unexplained tail to recover') });
    await appendFile(fx.path, '{"v"');
    await leaveDeadWriter(fx);
    await expect(recoverTail(options())).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('its tail was the unfinished append of pid 999999, which died: cut off, as every change does') });
    expect(await verifyJournal(fx.path, {})).toMatchObject({ ok: true, journal: { records: 1 } });
    expect((await readdir(join(fx.dir, 'j'))).filter((name) => name.includes('.tail-'))).toEqual([]);
  });

  it('refuses when a record before the tail is broken', async () => {
    await appendAll(2);
    const lines = (await readFile(fx.path, 'utf8')).split('\n');
    await writeFile(fx.path, `${(lines[0] as string).replace('"p0"', '"px"')}\n${lines[1]}\n{"v"`);
    await expect(recoverTail(options())).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('broken at line 1') });
  });

  it('on a sealed journal: needs the fx.key, and seals its record', async () => {
    await appendAll(2, true);
    await appendFile(fx.path, '{"v":1,"seq":3,');
    await expect(recoverTail(options())).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('is sealed, and the record of this recovery must be sealed too') });
    const record = await recoverTail(options(true));
    expect(await verifyJournal(fx.path, { hmacKeyFile: fx.key })).toMatchObject({ ok: true, journal: { records: 3 }, seal: { status: 'valid', seq: record.seq } });
  });

  it('refuses, moving nothing, when the seal names a record the cut would remove (a sealed record cut in half)', async () => {
    await appendAll(2, true);
    const text = await readFile(fx.path, 'utf8');
    await writeFile(fx.path, text.slice(0, -40));
    await expect(recoverTail(options(true))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('the seal names record 2 but the journal ends at record 1') });
    expect(await readFile(fx.path, 'utf8')).toBe(text.slice(0, -40));
    expect((await readdir(join(fx.dir, 'j'))).filter((name) => name.includes('.tail-'))).toEqual([]);
  });

  it('moves aside a record the seal never named (a crash between the record and its seal)', async () => {
    await appendAll(1, true);
    await appendAll(1);
    const line = (await readFile(fx.path, 'utf8')).split('\n')[1] as string;
    const record = await recoverTail(options(true));
    expect(await readFile(join(fx.dir, 'j', record.movedAside.file), 'utf8')).toBe(`${line}\n`);
    expect(await verifyJournal(fx.path, { hmacKeyFile: fx.key })).toMatchObject({ ok: true, journal: { records: 2 }, seal: { status: 'valid', seq: 2 } });
  });

  it('there is no journal to recover', async () => {
    await expect(recoverTail(options())).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('there is no audit journal') });
  });
});

describe('seal --start', () => {
  it('a sealing writer will not seal a journal that has records; seal --start does, and says so in the journal', async () => {
    await appendAll(2);
    await expect(appendAll(1, true)).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('has 2 records but no seal'), hint: expect.stringContaining('xlp audit seal --start') });
    await expect(startSeal(options())).rejects.toMatchObject({ exitCode: 2 });
    const record = await startSeal(options(true));
    expect(record).toMatchObject({ seq: 3, type: 'journal', action: 'start-seal', method: 'hmac-sha256' });
    expect(JSON.parse(await readFile(sealPath(fx.path), 'utf8'))).toMatchObject({ seq: 3, hash: record.hash });
    await appendAll(1, true);
    expect(await verifyJournal(fx.path, { hmacKeyFile: fx.key })).toMatchObject({ ok: true, journal: { records: 4 }, seal: { status: 'valid' } });
    await expect(startSeal(options(true))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('already sealed') });
  });

  it('proves the history it is about to vouch for', async () => {
    await appendAll(2);
    const lines = (await readFile(fx.path, 'utf8')).split('\n');
    await writeFile(fx.path, `${(lines[0] as string).replace('"p0"', '"px"')}\n${lines[1]}\n`);
    await expect(startSeal(options(true))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('broken at line 1') });
    await expect(readFile(sealPath(fx.path))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

/**
 * The journal's tail, as status and verify see it (journalTail), and the two journaled commands on
 * the journal itself: recover-tail (the way out of an unexplained tail) and seal --start.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recoverTail, startSeal, type JournalCommandOptions } from '../../src/audit/journal-commands.js';
import { Journal } from '../../src/audit/journal-writer.js';
import type { RecordDraft } from '../../src/audit/record.js';
import { sealPath } from '../../src/audit/seal-file.js';
import { Sealer } from '../../src/audit/seal.js';
import { journalTail } from '../../src/audit/tail.js';
import { verifyJournal } from '../../src/audit/verify.js';
import { acquireLock } from '../../src/util/lock-file.js';

let dir: string;
let path: string;
let key: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-audit-tail-'));
  path = join(dir, 'j', 'audit.jsonl');
  key = join(dir, 'seal.key');
  await writeFile(key, 'k'.repeat(32), { mode: 0o600 });
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const draft = (name: string): RecordDraft => ({
  type: 'intent', time: new Date().toISOString(), host: 'h', controller: 'c', user: 'root', uid: 0, pid: 1, xlp: '0', argv: [], operation: 'unload', name,
});

async function appendAll(count: number, sealed = false): Promise<void> {
  const journal = new Journal({ path, lockTimeoutMs: 1000, ...(sealed ? { sealer: Sealer.from(path, { hmacKeyFile: key }) } : {}) });
  try {
    for (let i = 0; i < count; i++) await journal.append(draft(`p${i}`));
  } finally {
    await journal.close();
  }
}

const options = (sealed = false): JournalCommandOptions => ({
  journalPath: path,
  lockTimeoutMs: 1000,
  actor: { controller: 'ctl', user: 'root', uid: 0, pid: process.pid, xlp: '9.9.9' },
  argv: ['audit', 'test'],
  ...(sealed ? { seal: { hmacKeyFile: key } } : {}),
  note: () => {},
});

const deadWriter = () => writeFile(`${path}.lock`, JSON.stringify({ pid: 999999, command: 'xlp (pid 999999) appending', host: 'ctl', since: '2026-01-01T00:00:00.000Z' }));

describe('journalTail', () => {
  it('clean, torn by a dead writer, unexplained, or being appended by a live one', async () => {
    expect(await journalTail(path)).toBeUndefined();
    await appendAll(2);
    const end = (await stat(path)).size;
    expect(await journalTail(path)).toMatchObject({ condition: 'clean', head: { seq: 2, end }, size: end });
    await appendFile(path, '{"v":1,"seq":3');
    expect(await journalTail(path)).toMatchObject({ condition: 'unexplained', head: { seq: 2, end }, message: expect.stringContaining('14 bytes after record 2 do not end with a newline') });
    await deadWriter();
    expect(await journalTail(path)).toMatchObject({ condition: 'torn', writer: { pid: 999999 }, message: expect.stringContaining('the next change cuts it off') });
    const live = await acquireLock(`${path}.lock`, { timeoutMs: 1000, command: 'a live writer', what: 'the audit journal lock' });
    try {
      expect(await journalTail(path)).toMatchObject({ condition: 'appending', writer: { command: 'a live writer' } });
    } finally {
      await live.release();
    }
  });

  it('on a sealed journal, one record past the sealed head is a tail; more are the seal’s business', async () => {
    await appendAll(1, true);
    await appendAll(1);
    expect(await journalTail(path)).toMatchObject({ condition: 'unexplained', head: { seq: 1 }, message: expect.stringContaining('record 2 is not named by the seal') });
    await appendAll(1);
    expect(await journalTail(path)).toMatchObject({ condition: 'clean' });
    expect(await verifyJournal(path, {})).toMatchObject({ ok: false, seal: { status: 'unsealed-tail' }, tail: { condition: 'clean' } });
  });
});

describe('recover-tail', () => {
  it('moves the unexplained bytes into a private file beside the journal, cuts back, and journals it', async () => {
    await appendAll(2);
    const end = (await stat(path)).size;
    const torn = '{"v":1,"seq":3,"time":"2026';
    await appendFile(path, torn);
    expect(await verifyJournal(path, {})).toMatchObject({ ok: false, records: 2, tail: { condition: 'unexplained' } });

    const record = await recoverTail(options());
    expect(record).toMatchObject({
      seq: 3, type: 'journal', action: 'recover-tail', host: 'localhost', user: 'root', argv: ['audit', 'test'],
      movedAside: { offset: end, bytes: torn.length, sha256: createHash('sha256').update(torn).digest('hex'), reason: expect.stringContaining('do not end with a newline') },
    });
    const kept = join(dir, 'j', record.movedAside.file);
    expect(await readFile(kept, 'utf8')).toBe(torn);
    expect((await stat(kept)).mode & 0o777).toBe(0o600);
    expect(await verifyJournal(path, {})).toMatchObject({ ok: true, records: 3, tail: { condition: 'clean' } });
  });

  it('refuses a clean tail, and a torn one (which it cuts off, as every writer does), moving nothing', async () => {
    await appendAll(1);
    await expect(recoverTail(options())).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('no unexplained tail to recover') });
    await appendFile(path, '{"v"');
    await deadWriter();
    await expect(recoverTail(options())).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('It was cut off, as every change does') });
    expect(await verifyJournal(path, {})).toMatchObject({ ok: true, records: 1 });
    expect((await readdir(join(dir, 'j'))).filter((name) => name.includes('.tail-'))).toEqual([]);
  });

  it('refuses when a record before the tail is broken', async () => {
    await appendAll(2);
    const lines = (await readFile(path, 'utf8')).split('\n');
    await writeFile(path, `${(lines[0] as string).replace('"p0"', '"px"')}\n${lines[1]}\n{"v"`);
    await expect(recoverTail(options())).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('broken at line 1') });
  });

  it('on a sealed journal: needs the key, and seals its record', async () => {
    await appendAll(2, true);
    await appendFile(path, '{"v":1,"seq":3,');
    await expect(recoverTail(options())).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('is sealed, and the record of this recovery must be sealed too') });
    const record = await recoverTail(options(true));
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: true, records: 3, seal: { status: 'valid', seq: record.seq } });
  });

  it('moves aside a record the seal never named (a crash between the record and its seal)', async () => {
    await appendAll(1, true);
    await appendAll(1);
    const line = (await readFile(path, 'utf8')).split('\n')[1] as string;
    const record = await recoverTail(options(true));
    expect(await readFile(join(dir, 'j', record.movedAside.file), 'utf8')).toBe(`${line}\n`);
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: true, records: 2, seal: { status: 'valid', seq: 2 } });
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
    expect(JSON.parse(await readFile(sealPath(path), 'utf8'))).toMatchObject({ seq: 3, hash: record.hash });
    await appendAll(1, true);
    expect(await verifyJournal(path, { hmacKeyFile: key })).toMatchObject({ ok: true, records: 4, seal: { status: 'valid' } });
    await expect(startSeal(options(true))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('already sealed') });
  });

  it('proves the history it is about to vouch for', async () => {
    await appendAll(2);
    const lines = (await readFile(path, 'utf8')).split('\n');
    await writeFile(path, `${(lines[0] as string).replace('"p0"', '"px"')}\n${lines[1]}\n`);
    await expect(startSeal(options(true))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('broken at line 1') });
    await expect(readFile(sealPath(path))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

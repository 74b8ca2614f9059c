/**
 * An append is whole or not there: a short write, ENOSPC, a failed fsync or a seal that cannot be
 * written cut the journal back to the record before (the previous seal stays), and a dead writer's
 * unfinished append is cut off by the next writer, while anything unexplained is refused. Faults are
 * injected into Node's FileHandle, as a full file system would produce them.
 */
import { constants } from 'node:fs';
import { appendFile, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { sealPath } from '../../src/audit/seal-file.js';
import { verifyJournal } from '../../src/audit/verify.js';
import { SHORT_WRITE, writeAll } from '../../src/audit/write-all.js';
import { appendNamed, draft, journalFixture, journalOf, leaveDeadWriter } from '../helpers/journal-fixture.js';

const fx = journalFixture('xlp-audit-append-');
const journal = (sealed = false) => journalOf(fx, sealed);
const appendAll = (names: readonly string[], sealed = false) => appendNamed(fx, names, sealed);

type Write = (this: unknown, data: unknown, offset?: unknown, length?: unknown, position?: unknown) => Promise<{ bytesWritten: number }>;

/**
 * Makes the first write of a journal record (a Buffer written at the end: position null) or of a
 * seal's temp file (a Buffer written at 0) go wrong the way a full file system does: write half and
 * say so, or fail with ENOSPC. Other writes (the lock's owner record) pass.
 */
async function faultNextWrite(target: 'record' | 'seal', fault: 'short' | 'ENOSPC'): Promise<void> {
  const probe = await open(join(fx.dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { write: Write };
  await probe.close();
  const original = proto.write;
  let armed = true;
  vi.spyOn(proto, 'write').mockImplementation(async function (this: unknown, data, offset, length, position) {
    const hit = armed && Buffer.isBuffer(data) && (target === 'record' ? position === null : position === 0);
    if (!hit) return original.call(this, data, offset, length, position);
    armed = false;
    if (fault === 'ENOSPC') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return original.call(this, data, offset, Math.floor((length as number) / 2), position);
  });
}

describe('writeAll', () => {
  it('fails a write that comes up short, saying how much was written', async () => {
    const handle = { write: async () => ({ bytesWritten: 3, buffer: Buffer.alloc(0) }) };
    await expect(writeAll(handle as never, 'twelve bytes')).rejects.toMatchObject({ code: SHORT_WRITE, message: expect.stringContaining('only 3 of 12 bytes were written') });
  });
});

describe('an append that cannot be written whole', () => {
  it.each([['short', /only \d+ of \d+ bytes were written/], ['ENOSPC', /the disk is full/]] as const)('a %s record write: exit 9, the journal cut back to the record before', async (fault, message) => {
    await appendAll(['a', 'b']);
    const before = await readFile(fx.path);
    await faultNextWrite('record', fault);
    const j = journal();
    await expect(j.append(draft('c'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringMatching(message) });
    await j.close();
    expect(await readFile(fx.path)).toEqual(before);
    vi.restoreAllMocks();
    await appendAll(['c']);
    expect(await verifyJournal(fx.path, {})).toMatchObject({ ok: true, journal: { records: 3 }, tail: { condition: 'clean' } });
  });

  it('a failed fsync: the record is cut back too', async () => {
    await appendAll(['a']);
    const before = await readFile(fx.path);
    const probe = await open(join(fx.dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    vi.spyOn(proto, 'sync').mockRejectedValueOnce(Object.assign(new Error('EIO'), { code: 'EIO' }));
    const j = journal();
    await expect(j.append(draft('b'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('an I/O error occurred') });
    await j.close();
    expect(await readFile(fx.path)).toEqual(before);
  });

  it.each(['short', 'ENOSPC'] as const)('a seal that cannot be written (%s): the record it would seal is cut back, the old seal stays', async (fault) => {
    await appendAll(['a', 'b'], true);
    const [journalBefore, sealBefore] = await Promise.all([readFile(fx.path), readFile(sealPath(fx.path), 'utf8')]);
    await faultNextWrite('seal', fault);
    const j = journal(true);
    await expect(j.append(draft('c'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('cannot seal the audit journal') });
    await j.close();
    expect(await readFile(fx.path)).toEqual(journalBefore);
    expect(await readFile(sealPath(fx.path), 'utf8')).toBe(sealBefore);
    expect(await verifyJournal(fx.path, { hmacKeyFile: fx.key })).toMatchObject({ ok: true, journal: { records: 2 }, seal: { status: 'valid' } });
  });
});

describe("a dead writer's unfinished append, and a tail nobody explains", () => {
  it('a torn line left by a writer that died is cut off by the next one', async () => {
    await appendAll(['a']);
    await appendFile(fx.path, '{"v":1,"seq":2,"tor');
    await leaveDeadWriter(fx);
    await appendAll(['b']);
    expect(await verifyJournal(fx.path, {})).toMatchObject({ ok: true, journal: { records: 2 }, tail: { condition: 'clean' } });
  });

  it('a torn line nobody explains is refused, pointing at recover-tail, and left as it is', async () => {
    await appendAll(['a']);
    await appendFile(fx.path, '{"v":1,"seq":2,"tor');
    const before = await readFile(fx.path);
    const j = journal();
    await expect(j.append(draft('b'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('unexplained tail'), hint: expect.stringContaining('xlp audit recover-tail') });
    await j.close();
    expect(await readFile(fx.path)).toEqual(before);
  });

  it('on a sealed journal, a record its seal does not name: cut off after a dead writer, refused otherwise', async () => {
    await appendAll(['a'], true);
    // The dead writer's record reached the disk; its seal did not.
    const sealed = await readFile(sealPath(fx.path), 'utf8');
    await appendAll(['lost']);
    await writeFile(sealPath(fx.path), sealed);
    const j = journal(true);
    await expect(j.append(draft('b'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('record 2 is not named by the seal') });
    await j.close();
    await leaveDeadWriter(fx);
    await appendAll(['b'], true);
    const lines = (await readFile(fx.path, 'utf8')).split('\n').slice(0, -1);
    expect(lines.map((l) => JSON.parse(l).name)).toEqual(['a', 'b']);
    expect(await verifyJournal(fx.path, { hmacKeyFile: fx.key })).toMatchObject({ ok: true, seal: { status: 'valid', seq: 2 } });
  });

  it('a torn line after a record its seal does not name is not a dead writer’s: refused', async () => {
    await appendAll(['a', 'b'], true);
    // Cut the sealed last record in half and leave a dead writer's name: the seal still names record 2.
    const text = await readFile(fx.path, 'utf8');
    await writeFile(fx.path, text.slice(0, text.length - 40), { flag: constants.O_WRONLY | constants.O_TRUNC });
    await leaveDeadWriter(fx);
    const j = journal(true);
    await expect(j.append(draft('c'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('unexplained tail') });
    await j.close();
  });
});

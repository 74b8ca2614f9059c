/** The journal's chain: what a writer appends, what verify proves, and every kind of hand edit it catches. */
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/canonical.js';
import { scanJournal } from '../../src/audit/journal-reader.js';
import { Journal } from '../../src/audit/journal-writer.js';
import { GENESIS, type RecordDraft } from '../../src/audit/record.js';
import { verifyJournal } from '../../src/audit/verify.js';
import { isXlpError } from '../../src/errors.js';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-audit-chain-'));
  path = join(dir, 'journal', 'audit.jsonl');
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const intent = (name: string): RecordDraft => ({
  type: 'intent',
  time: new Date().toISOString(),
  host: 'sim:/x',
  controller: 'ctl',
  user: 'root',
  uid: 0,
  pid: 42,
  xlp: '0.1.0',
  argv: ['load', `${name}.livepatch`],
  operation: 'load',
  name,
  sha256: 'ab'.repeat(32),
  stateBefore: [],
});

async function writeJournal(count: number): Promise<string[]> {
  const journal = new Journal({ path, lockTimeoutMs: 1000 });
  for (let i = 0; i < count; i++) await journal.append(intent(`p${i}`));
  await journal.close();
  return (await readFile(path, 'utf8')).split('\n').slice(0, -1);
}

const rehash = (record: Record<string, unknown>): string => {
  const { hash: _hash, ...body } = record;
  const text = canonicalJson(body);
  return `${text.slice(0, -1)},"hash":"${createHash('sha256').update(text).digest('hex')}"}`;
};

async function problemAfter(edit: (lines: string[]) => string[]): Promise<{ line: number; message: string } | undefined> {
  const lines = await writeJournal(4);
  await writeFile(path, edit(lines).map((l) => `${l}\n`).join(''));
  return (await scanJournal(path)).problem;
}

describe('the journal chain', () => {
  it('numbers records, links each to the one before, and hashes the canonical body', async () => {
    const lines = await writeJournal(3);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]?.prev).toBe(GENESIS);
    expect(records[1]?.prev).toBe(records[0]?.hash);
    expect(records[2]?.prev).toBe(records[1]?.hash);
    const { hash, ...body } = records[1] as Record<string, unknown>;
    expect(createHash('sha256').update(canonicalJson(body)).digest('hex')).toBe(hash);
    const result = await verifyJournal(path, {});
    expect(result).toMatchObject({ ok: true, journal: { records: 3, head: { seq: 3, hash: records[2]?.hash } } });
  });

  it('creates the journal 0600 in a 0700 directory', async () => {
    await writeJournal(1);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await lstat(join(dir, 'journal'))).mode & 0o777).toBe(0o700);
  });

  it('names a record whose field was changed', async () => {
    const problem = await problemAfter((lines) => lines.map((l, i) => (i === 2 ? l.replace('"name":"p2"', '"name":"p9"') : l)));
    expect(problem).toEqual({ line: 3, message: expect.stringContaining('hash does not match its content') });
  });

  it('names the record after one that was changed and re-hashed', async () => {
    const problem = await problemAfter((lines) => lines.map((l, i) => (i === 1 ? rehash({ ...JSON.parse(l), user: 'mallory' }) : l)));
    expect(problem).toEqual({ line: 3, message: expect.stringContaining('line 2 was changed or replaced') });
  });

  it('names the place of a deleted record', async () => {
    const problem = await problemAfter((lines) => lines.filter((_, i) => i !== 1));
    expect(problem).toEqual({ line: 2, message: expect.stringContaining('sequence number is 3, expected 2') });
  });

  it('catches a deleted first record', async () => {
    const problem = await problemAfter((lines) => lines.slice(1).map((l, i) => rehash({ ...JSON.parse(l), seq: i + 1 })));
    expect(problem).toEqual({ line: 1, message: expect.stringContaining('records before it were removed') });
  });

  it('names swapped records a reordering, not a deletion', async () => {
    const problem = await problemAfter((lines) => [lines[0], lines[2], lines[1], lines[3]] as string[]);
    expect(problem).toEqual({ line: 2, message: 'sequence number is 3, expected 2: records were reordered: record 2 is at line 3' });
  });

  it('names a record moved to the end a reordering', async () => {
    const problem = await problemAfter((lines) => [lines[0], lines[2], lines[3], lines[1]] as string[]);
    expect(problem).toEqual({ line: 2, message: 'sequence number is 3, expected 2: records were reordered: record 2 is at line 4' });
  });

  it('names a duplicated record a duplicate, and a foreign record with a used number an insertion', async () => {
    expect(await problemAfter((lines) => [lines[0], lines[1], lines[1], lines[2], lines[3]] as string[])).toEqual({ line: 3, message: 'sequence number is 2, expected 3: a duplicate of record 2 (line 2)' });
    const foreign = (line: string) => rehash({ ...JSON.parse(line), name: 'foreign' });
    expect(await problemAfter((lines) => [lines[0], lines[1], foreign(lines[1] as string), lines[2]] as string[])).toEqual({
      line: 3,
      message: 'sequence number is 2, expected 3: a record numbered 2 was inserted (line 2 holds another record 2)',
    });
  });

  it('names members out of order as such, whether or not the hash was taken over the reordered bytes', async () => {
    const reorder = (line: string, rehashed: boolean) => {
      const { hash, ...body } = JSON.parse(line) as Record<string, unknown>;
      const { seq, ...rest } = body;
      const text = JSON.stringify({ ...rest, seq });
      return `${text.slice(0, -1)},"hash":"${rehashed ? createHash('sha256').update(text).digest('hex') : String(hash)}"}`;
    };
    for (const rehashed of [false, true]) {
      expect(await problemAfter((lines) => lines.map((l, i) => (i === 1 ? reorder(l, rehashed) : l)))).toEqual({ line: 2, message: 'not in canonical form: members out of order' });
    }
    // The hash member moved from the end is out of order too, not "not a record".
    expect(await problemAfter((lines) => lines.map((l, i) => (i === 1 ? `{"hash":"${JSON.parse(l).hash}",${l.slice(1, -75)}}` : l)))).toEqual({ line: 2, message: 'not in canonical form: members out of order' });
  });

  it('names a reformatted record', async () => {
    const problem = await problemAfter((lines) => lines.map((l, i) => (i === 2 ? l.replace('"seq":3,', '"seq": 3,') : l)));
    expect(problem).toEqual({ line: 3, message: expect.stringContaining('not in canonical form: reformatted') });
  });

  it('catches a duplicate member even when the hash was recomputed over the edited bytes', async () => {
    const problem = await problemAfter((lines) =>
      lines.map((l, i) => {
        if (i !== 3) return l;
        const body = `${l.slice(0, -75)},"user":"mallory"}`;
        return `${body.slice(0, -1)},"hash":"${createHash('sha256').update(body).digest('hex')}"}`;
      }),
    );
    expect(problem).toEqual({ line: 4, message: 'not in canonical form: the member "user" appears twice in one object' });
  });

  it('reports a torn last line as the tail, not a break of the chain, and garbage as a break', async () => {
    const lines = await writeJournal(2);
    await writeFile(path, `${lines[0]}\n${(lines[1] as string).slice(0, 40)}`);
    const scan = await scanJournal(path);
    expect(scan).toMatchObject({ records: 1, partial: { offset: (lines[0] as string).length + 1, bytes: 40 } });
    expect(scan.problem).toBeUndefined();
    await writeFile(path, `${lines[0]}\nhello\n`);
    expect((await scanJournal(path)).problem).toEqual({ line: 2, message: expect.stringContaining('not a journal record') });
  });

  it('refuses to append to a journal whose last record was edited', async () => {
    const lines = await writeJournal(2);
    await writeFile(path, `${lines[0]}\n${(lines[1] as string).replace('"p1"', '"px"')}\n`);
    const journal = new Journal({ path, lockTimeoutMs: 1000 });
    await expect(journal.append(intent('p2'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('last record') });
    await journal.close();
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(3);
  });

  it('refuses a directory open to others and leaves its mode alone', async () => {
    await mkdir(join(dir, 'journal'), { mode: 0o755 });
    await chmod(join(dir, 'journal'), 0o755);
    const journal = new Journal({ path, lockTimeoutMs: 1000 });
    await expect(journal.append(intent('p0'))).rejects.toMatchObject({ exitCode: 9, message: expect.stringContaining('open to others (mode 755)') });
    expect((await lstat(join(dir, 'journal'))).mode & 0o777).toBe(0o755);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a symlinked journal and writes nothing through it', async () => {
    const target = join(dir, 'elsewhere.jsonl');
    await mkdir(join(dir, 'journal'), { mode: 0o700 });
    await writeFile(target, '');
    await symlink(target, path);
    const journal = new Journal({ path, lockTimeoutMs: 1000 });
    const error = await journal.append(intent('p0')).catch((e: unknown) => e);
    expect(isXlpError(error) && error.exitCode === 9 && /symlink/.test(error.message)).toBe(true);
    expect(await readFile(target, 'utf8')).toBe('');
    await expect(scanJournal(path)).rejects.toMatchObject({ exitCode: 9 });
  });
});

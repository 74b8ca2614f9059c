/**
 * The record format as an outsider sees it: Python recomputes every hash from the documented recipe
 * (canonical JSON = sorted keys, no spaces), Python's csv module reads the CSV export back, and the
 * small pure parts (time filters, syslog priorities) behave as documented.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/canonical.js';
import { csvField, csvHeader, csvRow, CSV_COLUMNS } from '../../src/audit/csv.js';
import { Journal } from '../../src/audit/journal-writer.js';
import { parseTime } from '../../src/audit/query.js';
import type { StoredRecord } from '../../src/audit/record.js';
import { syslogPriority } from '../../src/audit/syslog.js';

const python = await execa('python3', ['-c', 'print(1)'], { reject: false });
const hasPython = python.exitCode === 0;

let dir: string;
let journalPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-audit-format-'));
  journalPath = join(dir, 'j', 'audit.jsonl');
  const journal = new Journal({ path: journalPath, lockTimeoutMs: 1000 });
  await journal.append({
    type: 'intent', time: '2026-11-25T10:00:00.000Z', host: 'root@dom0', controller: 'ctl', user: 'root', uid: 0, sudoUser: 'zoë', pid: 7, xlp: '0.1.0',
    argv: ['load', 'a,b "c".livepatch', '--name', 'x\ny'], operation: 'load', name: 'xsa', stateBefore: [{ name: 'old', state: 'APPLIED', rc: 0, metadata: ['XSA=1;2', 'k=v\u00e9'] }],
  });
  await journal.append({
    type: 'outcome', time: '2026-11-25T10:00:01.000Z', host: 'root@dom0', intent: 1, pid: 7, operation: 'load', name: 'xsa', result: 'failed', state: 'absent',
    error: { code: 'rejected', message: 'Xen said "no", twice', errno: 22, exitCode: 4 }, durationMs: 1000, outputs: [{ stdout: 'Uploading...\r\nfailed', stderr: '\u0001', exitCode: 1 }],
  });
  await journal.close();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const stored = async (): Promise<StoredRecord[]> => (await readFile(journalPath, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as StoredRecord);

describe('the documented hash recipe', () => {
  it.skipIf(!hasPython)('lets Python recompute every hash and link', async () => {
    const script = [
      'import hashlib, json, sys',
      'prev = "0" * 64',
      'for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):',
      '    record = json.loads(line)',
      '    claimed = record.pop("hash")',
      '    body = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)',
      '    assert record["seq"] == n and record["prev"] == prev, n',
      '    assert hashlib.sha256(body.encode()).hexdigest() == claimed, n',
      '    prev = claimed',
      'print(n)',
    ].join('\n');
    const { stdout } = await execa('python3', ['-c', script, journalPath]);
    expect(stdout.trim()).toBe('2');
  });

  it('serialises canonically: sorted members at every depth, no whitespace, undefined members dropped', () => {
    expect(canonicalJson({ b: [{ z: 1, a: 'é' }], a: null, c: undefined, 'a-b': true })).toBe('{"a":null,"a-b":true,"b":[{"a":"é","z":1}]}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
  });
});

describe('CSV export', () => {
  it.skipIf(!hasPython)('is read back field for field by a standard CSV reader', async () => {
    const records = await stored();
    const csv = csvHeader() + records.map(csvRow).join('');
    const { stdout } = await execa('python3', ['-c', 'import csv, json, sys; print(json.dumps(list(csv.reader(sys.stdin))))'], { input: csv, stripFinalNewline: true });
    const rows = JSON.parse(stdout) as string[][];
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const column = (row: number, name: (typeof CSV_COLUMNS)[number]) => rows[row]?.[CSV_COLUMNS.indexOf(name)];
    expect(JSON.parse(column(1, 'argv') as string)).toEqual(records[0]?.type === 'intent' ? records[0].argv : undefined);
    expect(column(1, 'sudo_user')).toBe('zoë');
    expect(column(2, 'error')).toBe('Xen said "no", twice');
    expect(column(2, 'errno')).toBe('22');
    expect(JSON.parse(column(2, 'outputs') as string)).toEqual([{ stdout: 'Uploading...\r\nfailed', stderr: '\u0001', exitCode: 1 }]);
    expect(column(2, 'hash')).toBe(records[1]?.hash);
  });

  it('quotes only what needs it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(undefined)).toBe('');
    expect(csvField(0)).toBe('0');
  });
});

describe('time filters', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('accepts ISO dates and times and ages', () => {
    expect(parseTime('2026-11-25', 'since', now)).toBe(Date.parse('2026-11-25'));
    expect(parseTime('2026-11-25T10:00Z', 'since', now)).toBe(Date.parse('2026-11-25T10:00:00Z'));
    expect(parseTime('90m', 'since', now)).toBe(now - 90 * 60_000);
    expect(parseTime('7d', 'since', now)).toBe(now - 7 * 86_400_000);
  });
  it('rejects anything else as a usage error', () => {
    for (const bad of ['yesterday', '12', '2026-13-45', '5y']) expect(() => parseTime(bad, 'since', now)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('syslog setting', () => {
  it('is off unless asked for, and takes only a facility.level', () => {
    expect(syslogPriority(undefined)).toBeUndefined();
    expect(syslogPriority('off')).toBeUndefined();
    expect(syslogPriority('on')).toBe('authpriv.notice');
    expect(syslogPriority('local3.info')).toBe('local3.info');
    expect(() => syslogPriority('local3.info; rm -rf /')).toThrow();
  });
});

/**
 * Streams a journal once, proving the chain as it goes: each line's own hash, its sequence number,
 * and its link to the line before. Stops at the first broken line and says what is wrong there.
 * Used by verify, log, export and status, so every reader sees only proven records.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { journalIoError } from './journal-errors.js';
import { FORMAT_VERSION, GENESIS, HASH_SUFFIX_LENGTH, type StoredRecord } from './record.js';

export interface ScanProblem {
  /** 1-based line number of the first broken record. */
  readonly line: number;
  readonly message: string;
}

export interface ScanResult {
  readonly path: string;
  readonly exists: boolean;
  /** Records proven before the end or the first problem. */
  readonly records: number;
  readonly head?: { readonly seq: number; readonly hash: string };
  readonly problem?: ScanProblem;
}

export type RecordVisitor = (record: StoredRecord, raw: Buffer) => void;

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;
const SUFFIX_START = Buffer.from(',"hash":"');
const SUFFIX_END = Buffer.from('"}');
const RECORD_TYPES = new Set(['intent', 'outcome', 'recovery']);
const HEX64 = /^[0-9a-f]{64}$/;

export async function scanJournal(path: string, visit?: RecordVisitor): Promise<ScanResult> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw journalIoError('read', path, error);
  });
  if (handle === undefined) return { path, exists: false, records: 0 };
  const chain = new ChainCheck(visit);
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let carry: Buffer = Buffer.alloc(0);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const data = carry.length === 0 ? buffer.subarray(0, bytesRead) : Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
      let start = 0;
      for (let end = data.indexOf(NEWLINE, start); end >= 0; end = data.indexOf(NEWLINE, start)) {
        if (!chain.accept(data.subarray(start, end))) return chain.result(path);
        start = end + 1;
      }
      // Copy: `buffer` is reused by the next read.
      carry = Buffer.from(data.subarray(start));
    }
    if (carry.length > 0) chain.fail(chain.line + 1, 'the last line is incomplete (no newline at the end of the file): a write was cut short');
    return chain.result(path);
  } catch (error) {
    throw journalIoError('read', path, error);
  } finally {
    await handle.close();
  }
}

class ChainCheck {
  line = 0;
  private prev = GENESIS;
  private problem?: ScanProblem;

  constructor(private readonly visit?: RecordVisitor) {}

  fail(line: number, message: string): false {
    this.problem = { line, message };
    return false;
  }

  result(path: string): ScanResult {
    const records = this.problem === undefined ? this.line : this.problem.line - 1;
    return {
      path,
      exists: true,
      records,
      ...(records === 0 ? {} : { head: { seq: records, hash: this.prev } }),
      ...(this.problem === undefined ? {} : { problem: this.problem }),
    };
  }

  /** Checks one line (without its newline); false once the chain is broken. */
  accept(raw: Buffer): boolean {
    const line = this.line + 1;
    const bodyEnd = raw.length - HASH_SUFFIX_LENGTH;
    if (bodyEnd < 2 || !raw.subarray(bodyEnd, bodyEnd + SUFFIX_START.length).equals(SUFFIX_START) || !raw.subarray(raw.length - 2).equals(SUFFIX_END)) {
      return this.fail(line, 'not a journal record: it does not end with its "hash" member');
    }
    const stored = raw.toString('latin1', raw.length - 66, raw.length - 2);
    const computed = createHash('sha256').update(raw.subarray(0, bodyEnd)).update('}').digest('hex');
    const text = raw.toString('utf8');
    let record: StoredRecord;
    try {
      record = JSON.parse(text) as StoredRecord;
    } catch {
      return this.fail(line, 'not valid JSON');
    }
    if (typeof record !== 'object' || record === null || record.v !== FORMAT_VERSION || !RECORD_TYPES.has(record.type)) {
      return this.fail(line, `not a version ${FORMAT_VERSION} journal record`);
    }
    if (record.seq !== line) {
      const what = typeof record.seq === 'number' && record.seq > line ? `record ${line} to ${record.seq - 1} were deleted` : 'records were inserted or reordered';
      return this.fail(line, `sequence number is ${String(record.seq)}, expected ${line}: ${what}`);
    }
    if (record.prev !== this.prev) {
      return this.fail(line, line === 1 ? 'the first record does not start the chain: records before it were removed' : `its "prev" does not match the hash of line ${line - 1}: line ${line - 1} was changed or replaced`);
    }
    if (!HEX64.test(stored) || stored !== computed) {
      return this.fail(line, 'its hash does not match its content: the record was changed after it was written');
    }
    // The bytes hashed must be exactly what was parsed: rules out duplicate members, reordering and
    // reformatting. JSON.parse keeps member order (records have no integer-like keys), so a canonical
    // line serialises back to itself, hash member last: one stringify, no re-sorting.
    if (JSON.stringify(record) !== text) {
      return this.fail(line, 'its content is not in canonical form (duplicate or reformatted members)');
    }
    this.prev = stored;
    this.line = line;
    this.visit?.(record, raw);
    return true;
  }
}

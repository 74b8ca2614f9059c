/**
 * Streams a journal once, proving the chain as it goes: each line's own hash, its sequence number,
 * and its link to the line before. Stops at the first broken line and says what is wrong there.
 * Used by verify, log, export and status, so every reader sees only proven records.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { journalIoError } from './journal-errors.js';
import { formProblem } from './line-form.js';
import { FORMAT_VERSION, GENESIS, HASH_SUFFIX_LENGTH, type StoredRecord } from './record.js';
import { explainSequence } from './sequence-break.js';

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
  /**
   * Bytes after the last complete line (no newline ends them), when the chain before them holds:
   * not a record, and not a break of the chain, but the journal's tail (tail.ts says what it is).
   */
  readonly partial?: { readonly offset: number; readonly bytes: number };
}

/** Why a reader cannot vouch for all of the journal: a broken chain, or bytes after its last record (verify says what they are). */
/**
 * The journal as every JSON document names it (status, audit log, audit export, audit verify): its
 * file, the records proven, the first broken one (null when the chain holds), and its head (the last
 * proven record; null when there is none).
 */
export interface JournalRef {
  readonly path: string;
  readonly exists: boolean;
  readonly records: number;
  readonly head: { readonly seq: number; readonly hash: string } | null;
  readonly problem: ScanProblem | null;
}

export const journalRef = (scan: ScanResult): JournalRef => ({ path: scan.path, exists: scan.exists, records: scan.records, head: scan.head ?? null, problem: scan.problem ?? null });

export function scanTrouble(scan: ScanResult): string | undefined {
  if (scan.problem !== undefined) return `the audit journal is broken at line ${scan.problem.line}: ${scan.problem.message}`;
  if (scan.partial !== undefined) return `the audit journal ends with ${scan.partial.bytes} bytes that are not a whole record (from byte ${scan.partial.offset}; 'xlp audit verify' says what they are)`;
  return undefined;
}

export type RecordVisitor = (record: StoredRecord, raw: Buffer) => void;

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;
const RECORD_TYPES = new Set(['intent', 'outcome', 'recovery', 'journal', 'boot']);
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
    let read = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      read += bytesRead;
      const data = carry.length === 0 ? buffer.subarray(0, bytesRead) : Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
      let start = 0;
      for (let end = data.indexOf(NEWLINE, start); end >= 0; end = data.indexOf(NEWLINE, start)) {
        if (!chain.accept(data.subarray(start, end))) return await chain.explained(path);
        start = end + 1;
      }
      // Copy: `buffer` is reused by the next read.
      carry = Buffer.from(data.subarray(start));
    }
    if (carry.length > 0) chain.partial = { offset: read - carry.length, bytes: carry.length };
  } catch (error) {
    throw journalIoError('read', path, error);
  } finally {
    await handle.close();
  }
  return chain.result(path);
}

class ChainCheck {
  line = 0;
  partial?: ScanResult['partial'];
  private prev = GENESIS;
  private problem?: ScanProblem;
  /** The record whose seq is not its line number: what that means takes a second look at the file. */
  private outOfSequence?: { seq: unknown; hash: string };

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
      ...(this.partial === undefined ? {} : { partial: this.partial }),
    };
  }

  async explained(path: string): Promise<ScanResult> {
    if (this.problem !== undefined && this.outOfSequence !== undefined) {
      const { line, message } = this.problem;
      this.problem = { line, message: `${message}: ${await explainSequence(path, line, this.outOfSequence.seq, this.outOfSequence.hash)}` };
    }
    return this.result(path);
  }

  /**
   * Checks one line (without its newline); false once the chain is broken. The line's own form and
   * hash come first: a record edited in place is named as such, before what its edit does to the chain.
   */
  accept(raw: Buffer): boolean {
    const line = this.line + 1;
    const text = raw.toString('utf8');
    let record: StoredRecord;
    try {
      record = JSON.parse(text) as StoredRecord;
    } catch {
      return this.fail(line, 'not a journal record: it is not valid JSON');
    }
    if (typeof record !== 'object' || record === null || record.v !== FORMAT_VERSION || !RECORD_TYPES.has(record.type)) {
      return this.fail(line, `not a version ${FORMAT_VERSION} journal record`);
    }
    const stored = record.hash as unknown;
    if (typeof stored !== 'string' || !HEX64.test(stored)) return this.fail(line, 'not a journal record: it has no "hash" member of 64 hex digits');
    const form = formProblem(text, record as unknown as Record<string, unknown>);
    if (form !== undefined) return this.fail(line, form);
    // Canonical, so the bytes before the hash member are the canonical body the hash was taken of.
    const computed = createHash('sha256').update(raw.subarray(0, raw.length - HASH_SUFFIX_LENGTH)).update('}').digest('hex');
    if (stored !== computed) return this.fail(line, 'its hash does not match its content: the record was changed after it was written');
    if (record.seq !== line) {
      this.outOfSequence = { seq: record.seq, hash: stored };
      return this.fail(line, `sequence number is ${String(record.seq)}, expected ${line}`);
    }
    if (record.prev !== this.prev) {
      return this.fail(line, line === 1 ? 'the first record does not start the chain: records before it were removed' : `its "prev" does not match the hash of line ${line - 1}: line ${line - 1} was changed or replaced`);
    }
    this.prev = stored;
    this.line = line;
    this.visit?.(record, raw);
    return true;
  }
}

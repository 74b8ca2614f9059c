/**
 * The end of the journal: its last whole append, and what follows it. An append is whole once its
 * record ends with a newline and, on a sealed journal, once the seal names it. What an unfinished
 * append leaves (bytes without a newline; on a sealed journal, one record the seal does not name
 * yet, chained to the one it does) is a *torn* tail when its writer is known to have died: the next
 * writer takes the dead writer's append lock over and cuts it off, which loses nothing, since a
 * writer touches a host only after its append returned. Anything else there is *unexplained*: no
 * run removes it on its own; `xlp audit recover-tail` moves it aside once an operator has looked.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { describe as describeHolder, probeLock, type LockOwner } from '../util/lock-file.js';
import { auditError, journalIoError } from './journal-errors.js';
import { GENESIS, hasHashSuffix, HASH_SUFFIX_LENGTH } from './record.js';
import { readSeal } from './seal-file.js';

/** clean: nothing follows the last whole record; appending: a live writer is at work; torn: a dead writer's unfinished append; unexplained: anything else. */
export type TailCondition = 'clean' | 'appending' | 'torn' | 'unexplained';

export interface Head {
  readonly seq: number;
  readonly hash: string;
  /** Byte offset where the record ends (after its newline). */
  readonly end: number;
}

export interface TailReport {
  readonly condition: TailCondition;
  /** The journal's last whole append, which a tail that is not clean is cut back to. */
  readonly head: Head;
  readonly size: number;
  /** What follows the head, for people. */
  readonly message: string;
  /** Who left a torn tail, or is appending. */
  readonly writer?: LockOwner;
}

/** The hint of every message that points at an unexplained tail. */
export const RECOVER_TAIL_HINT =
  "inspect it ('xlp audit verify'; the bytes are at the end of the journal), then run 'xlp audit recover-tail': it moves them into a private file beside the journal and journals that it did";

/** The tail in one line for people, with what to do when it is unexplained. */
export const describeTail = (tail: Pick<TailReport, 'condition' | 'message'>): string => (tail.condition === 'unexplained' ? `${tail.message}; ${RECOVER_TAIL_HINT}` : tail.message);

interface LastRecord extends Head {
  readonly prev: string;
  /** Byte offset where the record's line starts. */
  readonly start: number;
}

interface TailFacts {
  readonly size: number;
  /** The record on the last complete line, if that line holds one. */
  readonly last?: LastRecord;
  /** Where the last complete line ends (0: there is none). */
  readonly end: number;
  /** What the seal names, when the journal is sealed and the seal matters to the caller. */
  readonly sealed?: { readonly seq: number; readonly hash: string };
  /** The append lock: held by a live writer, and the holder its file names (a dead one when not held). */
  readonly lock: { readonly held: boolean; readonly owner?: LockOwner };
}

export function classifyTail(facts: TailFacts): TailReport {
  const { size, last, end, sealed, lock } = facts;
  const complete: Head = { seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS, end };
  const partial = size > end;
  const unsealed = !partial && sealed !== undefined && last !== undefined && sealed.seq === last.seq - 1 && sealed.hash === last.prev;
  if (!partial && !unsealed) return { condition: 'clean', head: complete, size, message: size === 0 ? 'the journal is empty' : `the journal ends with record ${complete.seq}, whole` };
  const head: Head = unsealed && last !== undefined ? { seq: last.seq - 1, hash: last.prev, end: last.start } : complete;
  const what = partial
    ? `${size - end} bytes after ${end === 0 ? 'the start of the journal' : last === undefined ? `byte ${end}` : `record ${last.seq}`} do not end with a newline`
    : `record ${head.seq + 1} is not named by the seal, which names record ${head.seq}`;
  const by = (owner: LockOwner | undefined): string => (owner === undefined ? 'a writer' : describeHolder(owner));
  if (lock.held) return { condition: 'appending', head, size, message: `${what}: ${by(lock.owner)} is appending`, ...(lock.owner === undefined ? {} : { writer: lock.owner }) };
  // A partial line on a sealed journal is an unfinished append only when the seal names the record before it.
  const fits = unsealed || sealed === undefined || (sealed.seq === head.seq && sealed.hash === head.hash);
  if (lock.owner !== undefined && fits) {
    return { condition: 'torn', head, size, writer: lock.owner, message: `${what}: the unfinished append of ${by(lock.owner)}, which died before it touched any host; the next change cuts it off` };
  }
  return { condition: 'unexplained', head, size, message: `${what}, and no writer is known to have died appending them: a crash of the machine, or a change outside xlp` };
}

/**
 * The tail of the journal at `path` as it is now, taking no lock: for `xlp status` and
 * `xlp audit verify`. undefined when there is no journal.
 */
export async function journalTail(path: string): Promise<TailReport | undefined> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw journalIoError('read', path, error);
  });
  if (handle === undefined) return undefined;
  let facts: Omit<TailFacts, 'lock'>;
  try {
    const size = (await handle.stat()).size;
    const line = await lastLine(handle, size);
    const last = line === undefined ? undefined : recordOf(line.text, false);
    facts = { size, end: line?.end ?? 0, ...(last === undefined || line === undefined ? {} : { last: { ...last, start: line.start, end: line.end } }) };
  } finally {
    await handle.close();
  }
  const seal = await readSeal(path);
  const sealed = seal.kind === 'seal' ? { ...facts, sealed: seal.file } : facts;
  const shape = classifyTail({ ...sealed, lock: { held: false } });
  // Only a tail that is not clean is worth a look at the append lock: who left it, and is it still writing?
  return shape.condition === 'clean' ? shape : classifyTail({ ...sealed, lock: await probeLock(`${path}.lock`) });
}

/**
 * The tail as a writer holding the append lock sees it: the last record proven by its hash (a writer
 * proves no more than that), `sealed` when this writer seals, `deadWriter` when it took the lock over.
 */
export async function writerTail(handle: FileHandle, path: string, sealed: TailFacts['sealed'], deadWriter: LockOwner | undefined): Promise<TailReport> {
  const size = (await handle.stat()).size;
  const line = await lastLine(handle, size);
  const last = line === undefined ? undefined : recordOf(line.text, true);
  if (line !== undefined && last === undefined) {
    throw auditError('audit-journal', `the last record of the audit journal ${path} is damaged; nothing was changed`, "run 'xlp audit verify' to see what is wrong");
  }
  return classifyTail({ size, end: line?.end ?? 0, ...(last === undefined || line === undefined ? {} : { last: { ...last, start: line.start, end: line.end } }), ...(sealed === undefined ? {} : { sealed }), lock: { held: false, ...(deadWriter === undefined ? {} : { owner: deadWriter }) } });
}

/** The last newline-terminated line, found by reading backwards. */
async function lastLine(handle: FileHandle, size: number): Promise<{ text: string; start: number; end: number } | undefined> {
  let window = Math.min(size, 65536);
  while (window > 0) {
    const buffer = Buffer.alloc(window);
    await handle.read(buffer, 0, window, size - window);
    const lastNewline = buffer.lastIndexOf(0x0a);
    if (lastNewline < 0 && window === size) return undefined;
    const lineStart = lastNewline < 0 ? -1 : buffer.lastIndexOf(0x0a, lastNewline - 1);
    if (lastNewline >= 0 && (lineStart >= 0 || window === size)) {
      const offset = size - window;
      return { text: buffer.toString('utf8', lineStart + 1, lastNewline), start: offset + lineStart + 1, end: offset + lastNewline + 1 };
    }
    window = Math.min(size, window * 4);
  }
  return undefined;
}

/** seq, hash and prev of a journal line; with `prove`, only when its hash matches its bytes. */
function recordOf(line: string, prove: boolean): { seq: number; hash: string; prev: string } | undefined {
  if (!hasHashSuffix(line)) return undefined;
  const hash = line.slice(-66, -2);
  if (prove && createHash('sha256').update(`${line.slice(0, -HASH_SUFFIX_LENGTH)}}`).digest('hex') !== hash) return undefined;
  let parsed: { seq?: unknown; prev?: unknown };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    return undefined;
  }
  const { seq, prev } = parsed;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 && typeof prev === 'string' ? { seq, hash, prev } : undefined;
}

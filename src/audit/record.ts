/**
 * The journal's records and their line form. Each line is the canonical serialisation of a record
 * (every field but `hash`) with `"hash":"<sha256 of that serialisation>"` appended as the last
 * member; `prev` is the hash of the line before (GENESIS for the first), `seq` its 1-based line number.
 */
import { createHash } from 'node:crypto';
import type { PayloadStatus, ToolOutput } from '../model/types.js';
import type { Operation, Presence, Verdict } from '../model/vocabulary.js';
import { canonicalJson } from './canonical.js';
import type { ChangeResult, ProbeRun, RollbackReport, RunHolder } from '../model/results.js';
import type { SealMethod } from './seal-file.js';
import type { AuditError, AuditIntent, BootEvent } from './types.js';

export const FORMAT_VERSION = 1;
export const GENESIS = '0'.repeat(64);

/** Who ran xlp, from where: the controlling machine, even when the change is on a remote host. */
export interface Actor {
  readonly controller: string;
  readonly user: string;
  readonly uid: number;
  /** The invoking user when run through sudo (SUDO_USER). */
  readonly sudoUser?: string;
  readonly pid: number;
  readonly xlp: string;
}

interface Chained {
  readonly v: typeof FORMAT_VERSION;
  readonly seq: number;
  readonly prev: string;
  readonly time: string;
  readonly host: string;
}


/** The intent as the operation stated it (src/audit/types.ts), chained and signed by its actor. */
export interface IntentRecord extends Chained, Actor, AuditIntent {
  readonly type: 'intent';
}

export interface OutcomeRecord extends Chained {
  readonly type: 'outcome';
  /** seq of the intent this finishes. */
  readonly intent: number;
  readonly pid: number;
  readonly operation: Operation;
  readonly name: string;
  readonly result: ChangeResult;
  /** The payload's presence after the change. */
  readonly state: Presence | 'unknown';
  readonly error?: AuditError;
  readonly rollback?: RollbackReport;
  /** The signal that asked the run to stop while this change was under way. */
  readonly interrupted?: string;
  readonly durationMs: number;
  readonly stateAfter?: readonly PayloadStatus[];
  /** true when stateAfter was derived from stateBefore and the confirmed action instead of listed. */
  readonly stateAfterDerived?: boolean;
  readonly outputs: readonly ToolOutput[];
  readonly probes?: readonly ProbeRun[];
}

export interface Resolution {
  readonly intent: number;
  readonly operation: Operation;
  readonly name: string;
  readonly pid: number;
  readonly verdict: Verdict;
  readonly explanation: string;
}

/** Written when a run takes over a host lock left by a process that died, with what it found. */
export interface RecoveryRecord extends Chained, Actor {
  readonly type: 'recovery';
  readonly lockTakenOverFrom: RunHolder;
  readonly resolved: readonly Resolution[];
  readonly stateNow?: readonly PayloadStatus[];
  /** What the dead run had left behind and this run removed: staged copies, an ssh control directory. */
  readonly leftoversRemoved?: readonly string[];
}

/** What a boot run decided (src/ops/boot/): re-applied, nothing kept for this build, disabled, held back... */
export interface BootRecord extends Chained, Actor, BootEvent {
  readonly type: 'boot';
}

/** Bytes `xlp audit recover-tail` took out of the journal, and the file beside it that now holds them. */
export interface MovedTail {
  /** File name, in the journal's directory. */
  readonly file: string;
  /** Where the bytes started in the journal. */
  readonly offset: number;
  readonly bytes: number;
  readonly sha256: string;
  /** What they were, as the tail check saw them. */
  readonly reason: string;
}

/** A change of the journal itself by an explicit command (host is localhost: the journal's machine). */
interface JournalChange extends Chained, Actor {
  readonly type: 'journal';
  readonly argv: readonly string[];
}

/** An unexplained tail was moved aside after an operator looked at it. */
export interface TailRecoveryRecord extends JournalChange {
  readonly action: 'recover-tail';
  readonly movedAside: MovedTail;
}

/** Sealing starts here, over the records before it, which no seal covered. */
export interface SealStartRecord extends JournalChange {
  readonly action: 'start-seal';
  readonly method: SealMethod;
}

export type JournalRecord = TailRecoveryRecord | SealStartRecord;

export type AuditRecord = IntentRecord | OutcomeRecord | RecoveryRecord | JournalRecord | BootRecord;
export type StoredRecord = AuditRecord & { readonly hash: string };

/** The fields a writer supplies; the journal adds v, seq, prev and hash. */
export type RecordDraft = DistributiveOmit<AuditRecord, 'v' | 'seq' | 'prev'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** `,"hash":"` + 64 hex digits + `"}` */
export const HASH_SUFFIX_LENGTH = 75;
const HASH_PREFIX = ',"hash":"';

export function encodeRecord(record: AuditRecord): { line: string; hash: string } {
  const body = canonicalJson(record);
  const hash = createHash('sha256').update(body).digest('hex');
  return { line: `${body.slice(0, -1)}${HASH_PREFIX}${hash}"}\n`, hash };
}

/** True when `line` (without its newline) ends in a well-formed hash member. */
export function hasHashSuffix(line: string): boolean {
  return line.length > HASH_SUFFIX_LENGTH && line.startsWith(HASH_PREFIX, line.length - HASH_SUFFIX_LENGTH) && /^[0-9a-f]{64}"}$/.test(line.slice(-66));
}

/**
 * The journal read as changes: each intent joined with its outcome, or with the recovery that
 * resolved it when its process died first. Only records of a proven chain are used.
 */
import type { PayloadStatus } from '../model/types.js';
import { presenceIn, type Operation, type Presence } from '../model/vocabulary.js';
import { scanJournal, type ScanResult } from './journal-reader.js';
import type { BootRecord, JournalRecord, Resolution, StoredRecord } from './record.js';
import type { ChangeResult, ProbeRun } from '../model/results.js';

export interface Change {
  /** seq of the intent record. */
  readonly seq: number;
  readonly time: string;
  readonly host: string;
  readonly controller: string;
  readonly user: string;
  readonly sudoUser?: string;
  readonly pid: number;
  readonly argv: readonly string[];
  readonly operation: Operation;
  readonly name: string;
  /** The payload's presence when the change began (from the intent's state before). */
  readonly before: Presence | 'unknown';
  readonly sha256?: string;
  readonly buildId?: string;
  readonly signer?: string;
  /** 'interrupted': the process died before writing the outcome. */
  readonly result: ChangeResult | 'interrupted';
  readonly finished?: string;
  readonly durationMs?: number;
  readonly errno?: number;
  readonly error?: string;
  /** The payload's presence after the change, as its outcome recorded it (the word an operation's result uses), or as a recovery found it. */
  readonly state?: Presence | 'unknown';
  /** The health probes run after the change (sync), with their output, as its outcome recorded them. */
  readonly probes?: readonly ProbeRun[];
  /** What a later run concluded from the live state, for an interrupted change. */
  readonly resolution?: Resolution & { readonly seq: number; readonly time: string };
}

export interface History {
  readonly scan: ScanResult;
  readonly changes: Change[];
  /** The newest full list of the host the journal holds (an outcome's stateAfter or a recovery's stateNow). */
  readonly lastState?: { readonly seq: number; readonly time: string; readonly payloads: readonly PayloadStatus[] };
  /** What each boot run decided (of this host, when one is asked for), oldest first. */
  readonly boots: ReadonlyArray<BootRecord & { readonly hash: string }>;
  /** Changes of the journal itself (a tail moved aside, sealing started), of every host. */
  readonly journal: ReadonlyArray<JournalRecord & { readonly hash: string }>;
}

/** All changes, or those of one host (as AuditIntent.host names it). */
export async function readHistory(path: string, host?: string): Promise<History> {
  const changes = new Map<number, Change>();
  let lastState: History['lastState'];
  const journal: Array<JournalRecord & { readonly hash: string }> = [];
  const boots: Array<BootRecord & { readonly hash: string }> = [];
  const scan = await scanJournal(path, (record: StoredRecord) => {
    if (record.type === 'journal') {
      journal.push(record);
      return;
    }
    if (host !== undefined && record.host !== host) return;
    if (record.type === 'boot') {
      boots.push(record);
      return;
    }
    const state = record.type === 'outcome' ? record.stateAfter : record.type === 'recovery' ? record.stateNow : undefined;
    if (state !== undefined) lastState = { seq: record.seq, time: record.time, payloads: state };
    if (record.type === 'intent') {
      changes.set(record.seq, {
        seq: record.seq,
        time: record.time,
        host: record.host,
        controller: record.controller,
        user: record.user,
        ...(record.sudoUser === undefined ? {} : { sudoUser: record.sudoUser }),
        pid: record.pid,
        argv: record.argv,
        operation: record.operation,
        name: record.name,
        before: presenceIn(record.stateBefore, record.name),
        ...(record.sha256 === undefined ? {} : { sha256: record.sha256 }),
        ...(record.buildId === undefined ? {} : { buildId: record.buildId }),
        ...(record.signer === undefined ? {} : { signer: record.signer }),
        result: 'interrupted',
      });
    } else if (record.type === 'outcome') {
      const change = changes.get(record.intent);
      if (change === undefined) return;
      changes.set(record.intent, {
        ...change,
        result: record.result,
        finished: record.time,
        durationMs: record.durationMs,
        ...(record.error?.errno === undefined ? {} : { errno: record.error.errno }),
        ...(record.error === undefined ? {} : { error: record.error.message }),
        state: record.state,
        ...(record.probes === undefined ? {} : { probes: record.probes }),
      });
    } else {
      for (const resolution of record.resolved) {
        const change = changes.get(resolution.intent);
        if (change === undefined) continue;
        const after = record.stateNow === undefined ? {} : { state: presenceIn(record.stateNow, resolution.name) };
        changes.set(resolution.intent, { ...change, ...after, resolution: { ...resolution, seq: record.seq, time: record.time } });
      }
    }
  });
  return { scan, changes: [...changes.values()], ...(lastState === undefined ? {} : { lastState }), boots, journal };
}

/** Interrupted changes not yet settled by a recovery (in-flight verdicts are not settled). */
export const unresolved = (changes: readonly Change[]): Change[] =>
  changes.filter((change) => change.result === 'interrupted' && (change.resolution === undefined || change.resolution.verdict === 'in-flight'));

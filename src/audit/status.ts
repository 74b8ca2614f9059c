/**
 * `xlp status`: the live payloads joined with what the journal knows of them (which bytes, uploaded
 * and applied when and by whom, which advisories), and everything that does not add up.
 */
import type { PayloadStatus } from '../host/backend.js';
import { viewOf, type PayloadView } from '../host/payload-view.js';
import { describeActor } from './identity.js';
import { readHistory, unresolved, type Change } from './history.js';
import type { ScanProblem } from './journal-reader.js';
import { describeTail, journalTail } from './tail.js';
import { judge } from './verdict.js';

export interface StatusEvent {
  readonly at: string;
  readonly by: string;
  /** seq of the journal record. */
  readonly record: number;
}

export interface StatusPayload extends PayloadView {
  /** XSA and CVE identifiers from the payload's .modinfo (keys xsa/cve, comma or space separated). */
  readonly advisories: { readonly xsa: readonly string[]; readonly cve: readonly string[] };
  /** 'xlp': the journal records its upload; 'outside': it was loaded without this journal knowing. */
  readonly source: 'xlp' | 'outside';
  readonly sha256?: string;
  readonly buildId?: string;
  readonly signer?: string;
  readonly uploaded?: StatusEvent;
  readonly applied?: StatusEvent;
}

export type AnomalyKind = 'loaded-outside-xlp' | 'missing' | 'state-differs' | 'interrupted' | 'journal-broken' | 'journal-tail';

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly name?: string;
  readonly record?: number;
  readonly message: string;
}

export interface StatusResult {
  readonly host: string;
  readonly journal: { readonly path: string; readonly exists: boolean; readonly records: number; readonly problem?: ScanProblem };
  readonly payloads: readonly StatusPayload[];
  readonly anomalies: readonly Anomaly[];
}

interface Known {
  sha256?: string;
  buildId?: string;
  signer?: string;
  uploaded?: StatusEvent;
  applied?: StatusEvent;
}

export async function hostStatus(host: string, live: readonly PayloadStatus[], journalPath: string): Promise<StatusResult> {
  const history = await readHistory(journalPath, host);
  const known = replay(history.changes);
  const anomalies: Anomaly[] = [];
  const { scan } = history;
  if (scan.problem !== undefined) {
    anomalies.push({ kind: 'journal-broken', record: scan.problem.line, message: `journal line ${scan.problem.line}: ${scan.problem.message}; later records are ignored (run xlp audit verify)` });
  }
  const tail = scan.problem === undefined ? await journalTail(journalPath) : undefined;
  if (tail?.condition === 'torn' || tail?.condition === 'unexplained') anomalies.push({ kind: 'journal-tail', message: `the journal's tail is ${tail.condition}: ${describeTail(tail)}` });
  const payloads = live.map((payload): StatusPayload => {
    const record = known.get(payload.name);
    if (record?.uploaded === undefined) {
      anomalies.push({ kind: 'loaded-outside-xlp', name: payload.name, message: `${payload.name} is loaded (${payload.state}) but the journal has no upload of it on this host: it was loaded outside xlp or by another machine` });
    }
    return {
      ...viewOf(payload),
      advisories: advisories(payload.metadata),
      source: record?.uploaded === undefined ? 'outside' : 'xlp',
      ...record,
    };
  });
  const liveByName = new Map(live.map((p) => [p.name, p]));
  for (const expected of history.lastState?.payloads ?? []) {
    const now = liveByName.get(expected.name);
    const where = `journal record ${history.lastState?.seq} (${history.lastState?.time})`;
    if (now === undefined) {
      anomalies.push({ kind: 'missing', name: expected.name, record: history.lastState?.seq, message: `${expected.name} was ${expected.state} at ${where} but is not loaded now: unloaded outside xlp, or the host rebooted` });
    } else if (now.state !== expected.state) {
      anomalies.push({ kind: 'state-differs', name: expected.name, record: history.lastState?.seq, message: `${expected.name} was ${expected.state} at ${where} but is ${now.state} now: changed outside xlp` });
    }
  }
  for (const change of unresolved(history.changes)) {
    const { verdict, explanation } = judge(change.operation, change.name, live);
    anomalies.push({
      kind: 'interrupted',
      name: change.name,
      record: change.seq,
      message: `${change.operation} of ${change.name} by ${describeActor(change)} (journal record ${change.seq}, pid ${change.pid}, ${change.time}) never finished; judging by the live state: ${verdict}, ${explanation}. The next change of this host records the resolution`,
    });
  }
  return { host, journal: { path: journalPath, exists: scan.exists, records: scan.records, ...(scan.problem === undefined ? {} : { problem: scan.problem }) }, payloads, anomalies };
}

/** Replays the journal's changes of one host: what it believes is loaded, from which bytes, since when. */
function replay(changes: readonly Change[]): Map<string, Known> {
  const known = new Map<string, Known>();
  for (const change of changes) {
    // A failed upload or load whose payload stayed loaded (its unload failed too) did upload it.
    const leftLoaded = change.result === 'failed' && (change.operation === 'upload' || change.operation === 'load') && change.after !== undefined && change.after !== 'absent';
    const partial = change.operation === 'load' && (change.resolution?.verdict === 'partial' || (leftLoaded && change.after === 'CHECKED'));
    const took = change.result === 'ok' || change.resolution?.verdict === 'completed' || partial || leftLoaded;
    if (!took) continue;
    const event: StatusEvent = { at: change.finished ?? change.time, by: describeActor(change), record: change.seq };
    const entry = known.get(change.name) ?? {};
    switch (change.operation) {
      case 'upload':
      case 'load':
        known.set(change.name, {
          ...(change.sha256 === undefined ? {} : { sha256: change.sha256 }),
          ...(change.buildId === undefined ? {} : { buildId: change.buildId }),
          ...(change.signer === undefined ? {} : { signer: change.signer }),
          uploaded: event,
          ...(change.operation === 'load' && !partial ? { applied: event } : {}),
        });
        break;
      case 'replace':
        // Replace reverts every other applied payload.
        for (const [name, other] of known) if (name !== change.name) known.set(name, withoutApplied(other));
        known.set(change.name, { ...entry, applied: event });
        break;
      case 'apply':
        known.set(change.name, { ...entry, applied: event });
        break;
      case 'revert':
        known.set(change.name, withoutApplied(entry));
        break;
      case 'unload':
        known.delete(change.name);
        break;
    }
  }
  return known;
}

function withoutApplied(entry: Known): Known {
  const { applied: _applied, ...rest } = entry;
  return rest;
}

const ADVISORY_KEYS: Record<string, 'xsa' | 'cve'> = { xsa: 'xsa', xsas: 'xsa', cve: 'cve', cves: 'cve' };

export function advisories(metadata: readonly string[]): { xsa: string[]; cve: string[] } {
  const found = { xsa: [] as string[], cve: [] as string[] };
  for (const entry of metadata) {
    const eq = entry.indexOf('=');
    const kind = eq < 0 ? undefined : ADVISORY_KEYS[entry.slice(0, eq).trim().toLowerCase()];
    if (kind === undefined) continue;
    for (const value of entry.slice(eq + 1).split(/[\s,;]+/)) if (value !== '' && !found[kind].includes(value)) found[kind].push(value);
  }
  return found;
}

/**
 * `xlp status`: the live payloads joined with what the journal knows of them (which bytes, uploaded
 * and applied when and by whom, which advisories), and everything that does not add up. A run that
 * holds the host lock right now is shown as in progress, and its unfinished change is not an anomaly.
 */
import type { PayloadStatus } from '../model/types.js';
import { effectOf, judge, stackAfter, TARGET, type Operation } from '../model/vocabulary.js';
import { viewOf, type PayloadView } from '../model/payload-view.js';
import type { BootStatus, RunHolder } from '../model/results.js';
import { describeActor } from './identity.js';
import { readHistory, unresolved, type Change } from './history.js';
import type { ScanProblem } from './journal-reader.js';
import { describeTail, journalTail } from './tail.js';

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
  /** xlp can vouch for the loaded bytes: its record holds the sha256 it uploaded under this name (apply and replace need this). */
  readonly verified: boolean;
  readonly sha256?: string;
  readonly buildId?: string;
  readonly signer?: string;
  readonly uploaded?: StatusEvent;
  readonly applied?: StatusEvent;
}

export type AnomalyKind = 'loaded-outside-xlp' | 'unverified' | 'missing' | 'state-differs' | 'interrupted' | 'journal-broken' | 'journal-tail';

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly name?: string;
  readonly record?: number;
  readonly message: string;
}

/** A run changing this host right now: it holds the host lock. */
export interface RunInProgress extends RunHolder {
  /** The change it has under way, when its intent is already journaled. */
  readonly change?: { readonly operation: Operation; readonly name: string; readonly record: number };
}

export interface StatusResult {
  readonly host: string;
  readonly journal: { readonly path: string; readonly exists: boolean; readonly records: number; readonly problem?: ScanProblem };
  readonly inProgress?: RunInProgress;
  readonly payloads: readonly StatusPayload[];
  readonly anomalies: readonly Anomaly[];
  /** What the last boot run decided on this host (its journal record). */
  readonly lastBoot?: BootStatus['lastBoot'];
  /** Boot's standing (added by the status command: the kill switch and the crash-loop guard are read from the host). */
  readonly boot?: BootStatus;
}

interface Known {
  sha256?: string;
  buildId?: string;
  signer?: string;
  uploaded?: StatusEvent;
  applied?: StatusEvent;
}

/** `running`: the holder of the host lock, when a run holds it now (src/audit/host-lock.ts lockHolder). */
/**
 * `vouched`: the sha256 xlp's record of the host holds for each name (src/verify/store.ts), when it
 * could be read: the bytes xlp uploaded and can still vouch for.
 */
export async function hostStatus(host: string, live: readonly PayloadStatus[], journalPath: string, vouched: ReadonlyMap<string, string>, running?: RunHolder): Promise<StatusResult> {
  const history = await readHistory(journalPath, host);
  const pending = unresolved(history.changes);
  // The running holder's own unfinished change is in progress, not interrupted.
  const current = running === undefined ? undefined : pending.find((change) => change.pid === running.pid);
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
    if (record?.uploaded === undefined && payload.name !== current?.name) {
      anomalies.push({ kind: 'loaded-outside-xlp', name: payload.name, message: `${payload.name} is loaded (${payload.state}) but the journal has no upload of it on this host: it was loaded outside xlp or by another machine, and xlp cannot vouch for its bytes` });
    }
    const sha256 = vouched.get(payload.name);
    const verified = sha256 !== undefined && (record?.sha256 === undefined || record.sha256 === sha256);
    if (!verified && record?.uploaded !== undefined && payload.name !== current?.name) {
      anomalies.push({ kind: 'unverified', name: payload.name, message: `xlp cannot vouch for the bytes loaded as ${payload.name}: its record of what it uploaded there is missing or differs; unload it and load the file again before applying it` });
    }
    return { ...viewOf(payload), advisories: advisories(payload.metadata), source: record?.uploaded === undefined ? 'outside' : 'xlp', verified, ...record };
  });
  // While a run changes the host, the last recorded state is expected to be out of date.
  if (running === undefined) anomalies.push(...drift(history.lastState, live));
  for (const change of pending) {
    if (change === current) continue;
    const { verdict, explanation } = judge(change.operation, change.name, change.before, live);
    anomalies.push({
      kind: 'interrupted',
      name: change.name,
      record: change.seq,
      message: `${change.operation} of ${change.name} by ${describeActor(change)} (journal record ${change.seq}, pid ${change.pid}, ${change.time}) never finished; judging by the live state: ${verdict}, ${explanation}. The next change of this host records the resolution`,
    });
  }
  return {
    host,
    journal: { path: journalPath, exists: scan.exists, records: scan.records, ...(scan.problem === undefined ? {} : { problem: scan.problem }) },
    ...(running === undefined ? {} : { inProgress: { ...running, ...(current === undefined ? {} : { change: { operation: current.operation, name: current.name, record: current.seq } }) } }),
    payloads,
    anomalies,
    ...lastBootOf(history.boots),
  };
}

function lastBootOf(boots: Awaited<ReturnType<typeof readHistory>>['boots']): Pick<StatusResult, 'lastBoot'> {
  const last = boots[boots.length - 1];
  return last === undefined ? {} : { lastBoot: { record: last.seq, time: last.time, outcome: last.outcome, reason: last.reason } };
}

/** Payloads the last recorded state names that the hypervisor lists differently now. */
function drift(lastState: Awaited<ReturnType<typeof readHistory>>['lastState'], live: readonly PayloadStatus[]): Anomaly[] {
  if (lastState === undefined) return [];
  const liveByName = new Map(live.map((p) => [p.name, p]));
  const where = `journal record ${lastState.seq} (${lastState.time})`;
  return lastState.payloads.flatMap((expected): Anomaly[] => {
    const now = liveByName.get(expected.name);
    if (now === undefined) {
      return [{ kind: 'missing', name: expected.name, record: lastState.seq, message: `${expected.name} was ${expected.state} at ${where} but is not loaded now: unloaded outside xlp, or the host rebooted` }];
    }
    if (now.state !== expected.state) {
      return [{ kind: 'state-differs', name: expected.name, record: lastState.seq, message: `${expected.name} was ${expected.state} at ${where} but is ${now.state} now: changed outside xlp` }];
    }
    return [];
  });
}

/** Replays the journal's changes of one host: what it believes is loaded, from which bytes, since when. */
function replay(changes: readonly Change[]): Map<string, Known> {
  const known = new Map<string, Known>();
  let stack: string[] = [];
  for (const change of changes) {
    const effect = change.after === undefined ? undefined : effectOf(change.operation, change.before, change.after);
    if (effect === undefined) continue;
    const event: StatusEvent = { at: change.finished ?? change.time, by: describeActor(change), record: change.seq };
    if (TARGET[effect] === 'absent') known.delete(change.name);
    else if (change.before === 'absent') {
      known.set(change.name, {
        ...(change.sha256 === undefined ? {} : { sha256: change.sha256 }),
        ...(change.buildId === undefined ? {} : { buildId: change.buildId }),
        ...(change.signer === undefined ? {} : { signer: change.signer }),
        uploaded: event,
      });
    }
    stack = stackAfter(stack, effect, change.name);
    for (const [name, entry] of known) {
      if (!stack.includes(name)) known.set(name, withoutApplied(entry));
      else if (name === change.name && TARGET[effect] === 'APPLIED') known.set(name, { ...entry, applied: event });
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

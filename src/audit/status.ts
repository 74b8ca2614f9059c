/**
 * `xlp status`: the live payloads joined with what the journal knows of them (which bytes, uploaded
 * and applied when and by whom, which advisories), and everything that does not add up. A run that
 * holds the host lock right now is shown as in progress, and its unfinished change is not an anomaly.
 */
import { advisories, modinfoOf, patchLevel, type Advisories, type PatchLevel } from '../model/patch-level.js';
import type { PayloadStatus } from '../model/types.js';
import { effectOf, judge, stackAfter, TARGET, type Operation } from '../model/vocabulary.js';
import { viewOf, type PayloadView } from '../model/payload-view.js';
import type { BootStatus, RunHolder } from '../model/results.js';
import type { PayloadRecord } from '../verify/store.js';
import { describeActor } from './identity.js';
import { readHistory, unresolved, type Change } from './history.js';
import { journalRef, type JournalRef } from './journal-reader.js';
import { describeTail, journalTail } from './tail.js';

export interface StatusEvent {
  readonly at: string;
  readonly by: string;
  /** seq of the journal record. */
  readonly record: number;
}

export interface StatusPayload extends PayloadView {
  /** XSA and CVE identifiers from the payload's .modinfo (keys xsa/cve, comma or space separated). */
  readonly advisories: Advisories;
  /** 'xlp': the journal records its upload; 'outside': it was loaded without this journal knowing. */
  readonly source: 'xlp' | 'outside';
  /** xlp can vouch for the loaded bytes: its record holds the sha256 it uploaded under this name (apply and replace need this). */
  readonly verified: boolean;
  /** What the journal recorded of its upload: null for what it does not know. */
  readonly sha256: string | null;
  readonly buildId: string | null;
  readonly signer: string | null;
  readonly uploaded: StatusEvent | null;
  /** When it was applied, while it still is; null otherwise. */
  readonly applied: StatusEvent | null;
}

export type AnomalyKind = 'loaded-outside-xlp' | 'unverified' | 'missing' | 'state-differs' | 'stale-checked' | 'interrupted' | 'journal-broken' | 'journal-tail';

export interface Anomaly {
  readonly kind: AnomalyKind;
  /** The payload concerned; null for the journal's own. */
  readonly name: string | null;
  /** The journal record (or line) concerned; null when none is. */
  readonly record: number | null;
  /** missing, state-differs: the state the journal last recorded for the payload; null for the other kinds. */
  readonly recorded: PayloadStatus['state'] | null;
  readonly message: string;
}

/** An anomaly with what does not apply to its kind null. */
const anomaly = (found: Pick<Anomaly, 'kind' | 'message'> & Partial<Anomaly>): Anomaly => ({ name: null, record: null, recorded: null, ...found });

/** What xlp's record of the host (src/verify/store.ts) tells status, when it could be read. */
export interface RecordView {
  readonly payloads: Readonly<Record<string, Pick<PayloadRecord, 'sha256' | 'reverted' | 'modinfo'>>>;
  /** Names xlp applied, bottom of the stack first. */
  readonly applied: readonly string[];
}

/** A run changing this host right now: it holds the host lock. */
export interface RunInProgress extends RunHolder {
  /** The change it has under way, when its intent is already journaled. */
  readonly change: { readonly operation: Operation; readonly name: string; readonly record: number } | null;
}

export interface StatusResult {
  readonly host: string;
  readonly journal: JournalRef;
  /** The run changing the host right now; null when none holds its lock. */
  readonly inProgress: RunInProgress | null;
  readonly payloads: readonly StatusPayload[];
  /** The patch level at a glance: the apply order, the top of the stack, the advisories applied. */
  readonly patchLevel: PatchLevel;
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

/**
 * `record`: xlp's record of the host, when it could be read: the bytes xlp uploaded and can still
 * vouch for, their .modinfo, the order xlp applied them in. `running`: the holder of the host lock,
 * when a run holds it now (src/audit/host-lock.ts lockHolder).
 */
export async function hostStatus(host: string, live: readonly PayloadStatus[], journalPath: string, record: RecordView | undefined, running?: RunHolder): Promise<StatusResult> {
  const history = await readHistory(journalPath, host);
  const pending = unresolved(history.changes);
  // The running holder's own unfinished change is in progress, not interrupted.
  const current = running === undefined ? undefined : pending.find((change) => change.pid === running.pid);
  const known = replay(history.changes);
  const anomalies: Anomaly[] = [];
  const { scan } = history;
  if (scan.problem !== undefined) {
    anomalies.push(anomaly({ kind: 'journal-broken', record: scan.problem.line, message: `journal line ${scan.problem.line}: ${scan.problem.message}; later records are ignored (run xlp audit verify)` }));
  }
  const tail = scan.problem === undefined ? await journalTail(journalPath) : undefined;
  if (tail?.condition === 'torn' || tail?.condition === 'unexplained') anomalies.push(anomaly({ kind: 'journal-tail', message: `the journal's tail is ${tail.condition}: ${describeTail(tail)}` }));
  const modinfo = new Map<string, readonly string[]>();
  const payloads = live.map((payload): StatusPayload => {
    const journaled = known.get(payload.name);
    const recorded = record?.payloads[payload.name];
    if (journaled?.uploaded === undefined && payload.name !== current?.name) {
      anomalies.push(anomaly({ kind: 'loaded-outside-xlp', name: payload.name, message: `${payload.name} is loaded (${payload.state}) but the journal has no upload of it on this host: it was loaded outside xlp or by another machine, and xlp cannot vouch for its bytes` }));
    }
    const sha256 = recorded?.sha256;
    const verified = sha256 !== undefined && (journaled?.sha256 === undefined || journaled.sha256 === sha256);
    if (!verified && journaled?.uploaded !== undefined && payload.name !== current?.name) {
      anomalies.push(anomaly({ kind: 'unverified', name: payload.name, message: `xlp cannot vouch for the bytes loaded as ${payload.name}: its record of what it uploaded there is missing or differs; unload it and load the file again before applying it` }));
    }
    if (verified && payload.state === 'CHECKED' && recorded?.reverted === true && payload.name !== current?.name) {
      anomalies.push(anomaly({ kind: 'stale-checked', name: payload.name, message: `${payload.name} is CHECKED and was reverted since its upload (by revert, or a replace superseded it): nothing applies it; xlp prune unloads it` }));
    }
    modinfo.set(payload.name, modinfoOf(payload, verified ? recorded?.modinfo : undefined));
    return {
      ...viewOf(payload),
      advisories: advisories(modinfo.get(payload.name) ?? []),
      source: journaled?.uploaded === undefined ? 'outside' : 'xlp',
      verified,
      sha256: journaled?.sha256 ?? null,
      buildId: journaled?.buildId ?? null,
      signer: journaled?.signer ?? null,
      uploaded: journaled?.uploaded ?? null,
      applied: journaled?.applied ?? null,
    };
  });
  // While a run changes the host, the last recorded state is expected to be out of date.
  if (running === undefined) anomalies.push(...drift(history.lastState, live));
  for (const change of pending) {
    if (change === current) continue;
    const { verdict, explanation } = judge(change.operation, change.name, change.before, live);
    anomalies.push(anomaly({
      kind: 'interrupted',
      name: change.name,
      record: change.seq,
      message: `${change.operation} of ${change.name} by ${describeActor(change)} (journal record ${change.seq}, pid ${change.pid}, ${change.time}) never finished; judging by the live state: ${verdict}, ${explanation}. The next change of this host records the resolution`,
    }));
  }
  return {
    host,
    journal: journalRef(scan),
    inProgress: running === undefined ? null : { ...running, change: current === undefined ? null : { operation: current.operation, name: current.name, record: current.seq } },
    payloads,
    patchLevel: patchLevel(live, record?.applied ?? [], (name) => modinfo.get(name) ?? []),
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
      return [anomaly({ kind: 'missing', name: expected.name, record: lastState.seq, recorded: expected.state, message: `${expected.name} was ${expected.state} at ${where} but is not loaded now: unloaded outside xlp, or the host rebooted` })];
    }
    if (now.state !== expected.state) {
      return [anomaly({ kind: 'state-differs', name: expected.name, record: lastState.seq, recorded: expected.state, message: `${expected.name} was ${expected.state} at ${where} but is ${now.state} now: changed outside xlp` })];
    }
    return [];
  });
}

/** Replays the journal's changes of one host: what it believes is loaded, from which bytes, since when. */
function replay(changes: readonly Change[]): Map<string, Known> {
  const known = new Map<string, Known>();
  let stack: string[] = [];
  for (const change of changes) {
    const effect = change.state === undefined ? undefined : effectOf(change.operation, change.before, change.state);
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

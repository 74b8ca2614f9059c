/**
 * What the pre-flight checks know about a host: the hypervisor's build-id (`xl info`), what it lists,
 * and — since `list` shows neither build-ids nor apply order — xlp's own record of what it uploaded
 * and applied, cross-checked against the hypervisor's console dump where the host allows it.
 */
import type { Backend } from '../host/backend.js';
import type { PayloadStatus } from '../model/types.js';
import type { HookKind } from '../payload/types.js';
import { parseLivepatchDump, type ConsoleView } from './console-dump.js';
import { reconcile, type HostRecord, type PayloadRecord, type PayloadRecords } from './store.js';

export interface KnownPayload {
  readonly buildId?: string;
  readonly depends?: string;
  /** Known only for payloads xlp uploaded. */
  readonly hooks?: readonly HookKind[];
  /** Where xlp learnt it: its own record of the upload, or the hypervisor's console dump. */
  readonly source: 'record' | 'console';
}

export interface HostView {
  readonly xenBuildId: string;
  readonly listed: readonly PayloadStatus[];
  readonly known: ReadonlyMap<string, KnownPayload>;
  /**
   * The loaded payloads whose bytes xlp can vouch for: it uploaded them itself (its record names
   * their sha256) and the hypervisor's console does not contradict the record's build-id.
   */
  readonly vouched: ReadonlyMap<string, PayloadRecord>;
  /** The applied payloads bottom first, when their order is known; undefined when it is not. */
  readonly appliedOrder?: readonly string[];
  /** The applied payloads xlp applied itself, bottom first: the whole stack, or the part of it xlp knows. */
  readonly recordedStack: readonly string[];
  /** What the view could not establish, or where xlp's record and the hypervisor disagreed. */
  readonly notes: readonly string[];
}

// `xl info` costs a process (an ssh round trip remotely) and cannot change within one run.
const buildIds = new WeakMap<Backend, Promise<string>>();

/** The running hypervisor's build-id, asked once per Backend (that is, once per run). */
export function hypervisorBuildId(backend: Backend): Promise<string> {
  let pending = buildIds.get(backend);
  if (pending === undefined) {
    pending = backend.hypervisorBuildId();
    buildIds.set(backend, pending);
    pending.catch(() => buildIds.delete(backend));
  }
  return pending;
}

export async function gatherHostView(backend: Backend, records: PayloadRecords, listed: readonly PayloadStatus[]): Promise<HostView> {
  // Independent reads, each a process (an ssh round trip remotely): run them side by side. The
  // console dump names the hypervisor's build-id too, so `xl info` runs only when there is no dump.
  const [stored, console] = await Promise.all([records.read(), listed.length > 0 ? readConsole(backend) : Promise.resolve(undefined)]);
  const xenBuildId = console?.xenBuildId ?? (await hypervisorBuildId(backend));
  const record = reconcile(stored, listed, xenBuildId);
  const notes: string[] = [];
  const known = new Map<string, KnownPayload>();
  for (const [name, r] of Object.entries(record.payloads)) known.set(name, { buildId: r.buildId, depends: r.depends, hooks: r.hooks, source: 'record' });
  if (listed.length > 0) {
    if (console === undefined) notes.push("the hypervisor console dump (xl debug-keys x) was not available to cross-check xlp's record");
    else crossCheck(console, xenBuildId, listed, known, notes);
  }
  const unknown = listed.filter((p) => !known.has(p.name)).map((p) => p.name);
  if (unknown.length > 0) notes.push(`build-ids unknown for ${unknown.join(', ')} (not uploaded by xlp, and not in the console dump)`);
  const vouched = new Map(Object.entries(record.payloads).filter(([name]) => known.get(name)?.source === 'record'));
  return { xenBuildId, listed, known, vouched, ...appliedOrder(record, listed, known), notes };
}

async function readConsole(backend: Backend): Promise<ConsoleView | undefined> {
  const text = await backend.livepatchConsole().catch(() => undefined);
  return text === undefined ? undefined : parseLivepatchDump(text);
}

/** The hypervisor wins: a record that disagrees with it is stale (someone used xen-livepatch directly). */
function crossCheck(console: ConsoleView, xenBuildId: string, listed: readonly PayloadStatus[], known: Map<string, KnownPayload>, notes: string[]): void {
  if (console.xenBuildId !== undefined && console.xenBuildId !== xenBuildId) {
    notes.push(`the console dump names Xen build-id ${console.xenBuildId}, xl info ${xenBuildId}`);
  }
  const listedNames = new Set(listed.map((p) => p.name));
  for (const payload of console.payloads) {
    if (!listedNames.has(payload.name)) continue;
    const mine = known.get(payload.name);
    if (mine !== undefined && payload.buildId !== undefined && mine.buildId !== payload.buildId) {
      notes.push(`xlp's record of ${payload.name} (build-id ${mine.buildId ?? 'none'}) disagrees with the hypervisor (${payload.buildId}): using the hypervisor's`);
    } else if (mine !== undefined) continue;
    known.set(payload.name, { buildId: payload.buildId, depends: payload.depends, source: 'console' });
  }
}

/**
 * The stack order: trivial with at most one applied payload; otherwise xlp's record, if it names
 * every applied payload (anything applied behind xlp's back leaves the order unknown).
 */
function appliedOrder(record: HostRecord, listed: readonly PayloadStatus[], known: ReadonlyMap<string, KnownPayload>): { appliedOrder?: readonly string[]; recordedStack: readonly string[] } {
  const applied = listed.filter((p) => p.state === 'APPLIED').map((p) => p.name);
  const trusted = record.applied.filter((name) => known.get(name)?.source === 'record');
  if (applied.length <= 1) return { appliedOrder: applied, recordedStack: trusted };
  return trusted.length === applied.length ? { appliedOrder: trusted, recordedStack: trusted } : { recordedStack: trusted };
}

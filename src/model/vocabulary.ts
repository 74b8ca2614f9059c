/**
 * The vocabulary of live patching, owned here and nowhere else: the operations xlp performs, the
 * states a payload can be in, the state each operation leads to, and what an operation does to the
 * hypervisor's payload list and to the applied stack. The operations (src/ops), the audit journal
 * (state after, verdicts of interrupted runs, status), xlp's per-host record (src/verify/store.ts)
 * and the desired-state planner all derive their rules from these functions.
 *
 * Xen's rules (xen/common/livepatch.c): payloads are listed in upload order; the applied ones form
 * a stack (apply pushes, revert pops the top only); replace reverts every applied payload and applies
 * one; unload frees a CHECKED payload; upload adds a new CHECKED one.
 */
import type { PayloadStatus } from './types.js';

/** Every operation that changes a hypervisor, as xlp names it. `load` is upload then apply. */
export const OPERATIONS = ['upload', 'load', 'apply', 'revert', 'unload', 'replace'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The operations xen-livepatch performs on a payload already loaded. */
export const ACTIONS = ['apply', 'revert', 'unload', 'replace'] as const;
export type Action = (typeof ACTIONS)[number];

/** Xen's LIVEPATCH_STATE_CHECKED and LIVEPATCH_STATE_APPLIED. */
export type PayloadState = 'CHECKED' | 'APPLIED';
/** A payload's state, or that it is not loaded. */
export type Presence = PayloadState | 'absent';

/** Where each operation leaves its payload when it succeeds. */
export const TARGET: Readonly<Record<Operation, Presence>> = {
  upload: 'CHECKED',
  load: 'APPLIED',
  apply: 'APPLIED',
  replace: 'APPLIED',
  revert: 'CHECKED',
  unload: 'absent',
};

/** What each operation did, for messages: "xsa was unloaded". */
export const DONE: Readonly<Record<Operation, string>> = {
  upload: 'uploaded',
  load: 'uploaded and applied',
  apply: 'applied',
  replace: 'applied, replacing all others',
  revert: 'reverted',
  unload: 'unloaded',
};

/** The state an action needs its payload in (xen-livepatch refuses the others, or has nothing to do). */
export const REQUIRES: Readonly<Record<Action, PayloadState>> = {
  apply: 'CHECKED',
  replace: 'CHECKED',
  revert: 'APPLIED',
  unload: 'CHECKED',
};

export const isOperation = (value: unknown): value is Operation => typeof value === 'string' && (OPERATIONS as readonly string[]).includes(value);

/** The presence of `name` in a payload list; a state xen-livepatch printed as "unknown" counts as loaded but neither. */
export function presenceIn(list: readonly PayloadStatus[], name: string): Presence | 'unknown' {
  return list.find((p) => p.name === name)?.state ?? 'absent';
}

/**
 * The applied stack (bottom first) after `operation` on `name` succeeded. A fresh upload is never
 * applied; replace leaves only its payload applied.
 */
export function stackAfter(stack: readonly string[], operation: Operation, name: string): string[] {
  const without = stack.filter((n) => n !== name);
  if (operation === 'replace') return [name];
  return TARGET[operation] === 'APPLIED' ? [...without, name] : without;
}

/**
 * The hypervisor's list (upload order) after `operation` on `name` succeeded. `metadata` is what an
 * upload adds to the list's metadata column (the payload's .modinfo on Xen 4.14+).
 */
export function listAfter(before: readonly PayloadStatus[], operation: Operation, name: string, metadata: readonly string[] = []): PayloadStatus[] {
  const target = TARGET[operation];
  const others = before.filter((p) => p.name !== name);
  if (target === 'absent') return others;
  const current = before.find((p) => p.name === name);
  const self: PayloadStatus = { name, state: target, rc: 0, metadata: current?.metadata ?? metadata };
  const demoted = (p: PayloadStatus): PayloadStatus => (operation === 'replace' && p.state === 'APPLIED' ? { ...p, state: 'CHECKED', rc: 0 } : p);
  if (current === undefined) return [...others.map(demoted), self];
  return before.map((p) => (p.name === name ? self : demoted(p)));
}

/** Operations made of others, in order: stopping between them leaves the first one's result (a replace from a file uploads first). */
const COMPOSED_OF: Readonly<Partial<Record<Operation, readonly Operation[]>>> = { load: ['upload', 'apply'], replace: ['upload', 'replace'] };

/**
 * The operation whose result a change left behind, given where its payload ended up: the operation
 * itself when it reached its target, a first part of it when it stopped between parts (a load
 * stopped after its upload left an upload), undefined when it changed nothing recognisable.
 */
export function effectOf(operation: Operation, before: Presence | 'unknown', after: Presence | 'unknown'): Operation | undefined {
  if (after === before) return undefined;
  if (after === TARGET[operation]) return operation;
  return COMPOSED_OF[operation]?.find((part) => TARGET[part] === after);
}

/** What an interrupted change turned out to have done, judged from the live state. */
export type Verdict = 'completed' | 'not-done' | 'partial' | 'in-flight' | 'unknown';

export interface Judgement {
  readonly verdict: Verdict;
  readonly explanation: string;
}

/** Xen's status.rc while an action is in flight (EAGAIN). */
const IN_FLIGHT_RC = 11;

/**
 * Judges a change whose process died before recording its outcome: `before` is the payload's
 * presence when the change began (from the intent's state before), `live` the hypervisor's list now.
 */
export function judge(operation: Operation, name: string, before: Presence | 'unknown', live: readonly PayloadStatus[]): Judgement {
  const payload = live.find((p) => p.name === name);
  if (payload?.rc === IN_FLIGHT_RC) return { verdict: 'in-flight', explanation: `${name} still has an action in flight (EAGAIN)` };
  const now = presenceIn(live, name);
  const is = `${name} is ${now === 'absent' ? 'not loaded' : now}`;
  const stillApplied = live.filter((p) => p.name !== name && p.state === 'APPLIED').map((p) => p.name);
  if (now === TARGET[operation] && (operation !== 'replace' || stillApplied.length === 0)) return { verdict: 'completed', explanation: is };
  if (now === before) return { verdict: 'not-done', explanation: is };
  const part = effectOf(operation, before, now);
  if (part !== undefined && part !== operation) return { verdict: 'partial', explanation: `${is}: the ${part} was done, the rest of the ${operation} was not` };
  const others = operation === 'replace' && stillApplied.length > 0 ? `, and ${stillApplied.join(', ')} still APPLIED` : '';
  return { verdict: 'unknown', explanation: `${is}${others}, which is neither where the ${operation} started nor where it leads` };
}

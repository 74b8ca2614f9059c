/**
 * How the planner says where a payload is or should be, for people: the same words in the
 * differences `check` reports and in the reasons of a plan's steps.
 */
import type { LivePayload } from '../model/desired.js';

export const ABSENT = 'not loaded';
export const UPLOADED = 'CHECKED (uploaded, not applied)';
export const PLACE_UNKNOWN = 'APPLIED, at a place in the stack xlp does not know';

/** 1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** What a payload is applied on: the one below it, or the hypervisor itself. */
export const onWhat = (stack: readonly string[], index: number): string => (index === 0 ? 'the hypervisor' : (stack[index - 1] as string));

/** "APPLIED, at the bottom of the stack" or "APPLIED, 2nd from the bottom, on xsa-1". */
export function place(stack: readonly string[], index: number): string {
  return index === 0 ? 'APPLIED, at the bottom of the stack' : `APPLIED, ${ordinal(index + 1)} from the bottom, on ${onWhat(stack, index)}`;
}

/** A loaded payload's state in words; `applied` says where it is when it is APPLIED. */
export function stateWords(payload: LivePayload, applied: string): string {
  if (payload.state === 'APPLIED') return applied;
  if (payload.state === 'unknown') return 'loaded, in a state xen-livepatch does not know';
  return payload.reverted === true ? 'CHECKED (reverted)' : 'CHECKED';
}

/**
 * The planner: from the live state of one host and the manifest's entry for its hypervisor, the
 * steps that reach the manifest, by Xen's rules, and the differences `check` reports as drift.
 * Pure: it reads nothing and changes nothing.
 */
import type { DesiredHypervisor, LiveHost, Plan, UnmanagedPolicy } from '../model/desired.js';
import { Errno } from '../model/errno.js';
import { driftOf } from './drift.js';
import { possibleOrders } from './live-order.js';
import { situation } from './situation.js';
import { planOnStack, type StackPlan } from './stack-plan.js';

export function planSync(desired: DesiredHypervisor, live: LiveHost, policy: UnmanagedPolicy): Plan {
  const s = situation(desired, live, policy);
  const { orders, unplaced } = possibleOrders(live);
  const found = { xenBuildId: live.xenBuildId, differences: driftOf(s, orders ?? []), unmanaged: s.unmanaged };
  const blocked = (why: string): Plan => ({ ...found, steps: [], blocked: why });
  const stopped = notNow(desired, live);
  if (stopped !== undefined) return blocked(stopped);
  const plans = (orders ?? []).map((order) => planOnStack(s, order));
  const [plan, ...others] = plans;
  // The place of a payload applied outside xlp matters only when the possible places need different plans.
  if (plan === undefined || others.some((other) => !samePlan(other, plan))) {
    const them = unplaced.length === 1 ? 'it' : 'them';
    return blocked(`${unplaced.join(', ')} ${unplaced.length === 1 ? 'was' : 'were'} applied outside xlp and the build-ids do not tell where in the stack: revert ${them} (and what is above) with xen-livepatch, then run again`);
  }
  return plan.blocked === undefined ? { ...found, steps: plan.steps } : blocked(plan.blocked);
}

/** Why no plan can be made right now: the manifest is for another hypervisor, or an action is under way. */
function notNow(desired: DesiredHypervisor, live: LiveHost): string | undefined {
  if (desired.buildId !== live.xenBuildId) return `the manifest's entry is for hypervisor build-id ${desired.buildId}, but the host runs ${live.xenBuildId}`;
  const busy = live.payloads.filter((p) => p.state === 'unknown' || p.rc === Errno.EAGAIN).map((p) => p.name);
  if (busy.length === 0) return undefined;
  return `${busy.join(', ')} ${busy.length === 1 ? 'has' : 'have'} an action in flight or a state xen-livepatch does not know: wait for it to end, then run again`;
}

const samePlan = (a: StackPlan, b: StackPlan): boolean => a.blocked === b.blocked && JSON.stringify(a.steps) === JSON.stringify(b.steps);

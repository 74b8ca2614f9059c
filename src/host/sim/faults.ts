/**
 * Fault injection: the state holds a queue of faults; the hypervisor and the fake tool take the
 * first one that matches what they are about to do, and each use consumes one count.
 */
import type { SimFault, SimFaultKind, SimState } from './state.js';

export interface FaultQuery {
  readonly kinds: readonly SimFaultKind[];
  /** The hypercall (or tool command) being performed. */
  readonly action: string;
  /** The payload concerned, if any. */
  readonly name?: string;
  /** Actions matched by a fault that names none. */
  readonly defaultActions?: readonly string[];
}

const matches = (fault: SimFault, query: FaultQuery): boolean =>
  query.kinds.includes(fault.kind) &&
  (fault.name === undefined || fault.name === query.name) &&
  (fault.action === undefined ? query.defaultActions === undefined || query.defaultActions.includes(query.action) : fault.action === query.action);

/** Removes (or uses up one count of) the first matching fault and returns it. */
export function takeFault(state: SimState, query: FaultQuery): SimFault | undefined {
  const index = state.faults.findIndex((fault) => matches(fault, query));
  if (index < 0) return undefined;
  const fault = state.faults[index] as SimFault;
  if (!fault.persistent) {
    const left = (fault.count ?? 1) - 1;
    if (left <= 0) state.faults.splice(index, 1);
    else state.faults[index] = { ...fault, count: left };
  }
  return fault;
}

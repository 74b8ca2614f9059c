/**
 * What `xlp sim ...` and the tests do to a simulated host from outside: reset it to a given Xen,
 * read its state, inject and clear faults. Each is one locked read-modify-write of the state file.
 */
import { SimHost } from './host.js';
import { replaceState, updateState, type SimEnv } from './state-store.js';
import { freshState, validateFault, type FreshStateOptions, type SimFault, type SimState } from './state.js';

/** Replaces the state with a fresh host: no payloads, empty console, no faults. */
export async function initSimState(path: string, options: FreshStateOptions = {}): Promise<SimState> {
  const state = freshState(options);
  await replaceState(path, state);
  return state;
}

/** The current state (a fresh host is created if there is none), with finished actions recorded. */
export function readSimState(path: string, env: SimEnv = process.env): Promise<SimState> {
  return new SimHost(path, env).snapshot();
}

/** Appends a fault to the queue; faults are consumed in the order they were added. */
export async function addSimFault(path: string, fault: SimFault, env: SimEnv = process.env): Promise<SimState> {
  const checked = validateFault({ ...fault });
  return updateState(path, env, (state) => {
    state.faults.push(checked);
    return structuredClone(state);
  });
}

export function clearSimFaults(path: string, env: SimEnv = process.env): Promise<SimState> {
  return updateState(path, env, (state) => {
    state.faults = [];
    return structuredClone(state);
  });
}

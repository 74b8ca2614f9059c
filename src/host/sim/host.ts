/**
 * One simulated Xen host bound to its state file: each method is one hypercall (or console
 * operation), done as an atomic read-modify-write of the state so that concurrent processes see
 * the same serialised hypervisor. Calls that change nothing take no lock.
 */
import { completeDueWork, dumpPayloads, hvAction, hvGet, hvList, hvUpload, type ActionFlags, type HvContext, type PayloadStatusHv } from './hypervisor.js';
import { peekState, updateState, type SimEnv } from './state-store.js';
import { takeFault } from './faults.js';
import { DEFAULT_XEN_VERSION, parseXenVersion, type XenVersion } from './xen-version.js';
import type { SimActionName, SimPayload, SimState } from './state.js';

/** The version the simulator plays: XLP_SIM_XEN_VERSION, else the state's, else the default. */
export function effectiveXenVersion(env: SimEnv, state: SimState | undefined): XenVersion {
  return parseXenVersion(env.XLP_SIM_XEN_VERSION || state?.xenVersion || DEFAULT_XEN_VERSION);
}

/** Only UPLOAD loads payloads; any other hypercall asking to is a bug. */
const refuseToLoad: HvContext['load'] = () => {
  throw new Error('the simulated hypervisor loads payloads only on upload');
};

export class SimHost {
  constructor(
    readonly statePath: string,
    private readonly env: SimEnv = process.env,
  ) {}

  /** The Xen version, read without creating a state file (the tool's help needs it before any handle). */
  async version(): Promise<XenVersion> {
    return effectiveXenVersion(this.env, await peekState(this.statePath));
  }

  private context(state: SimState, load: HvContext['load'] = refuseToLoad): HvContext {
    return { now: Date.now(), version: effectiveXenVersion(this.env, state), load };
  }

  /** Runs `fn` on the state under the lock. */
  private change<T>(fn: (state: SimState, ctx: HvContext) => T, load?: HvContext['load']): Promise<T> {
    return updateState(this.statePath, this.env, (state) => fn(state, this.context(state, load)));
  }

  /**
   * Runs a query: lock-free when nothing is due (no finished action to record, no fault to consume),
   * otherwise under the lock like any change.
   */
  private async query<T>(fn: (state: SimState, ctx: HvContext) => T): Promise<T> {
    const state = await peekState(this.statePath);
    const now = Date.now();
    if (state !== undefined && state.faults.length === 0 && (state.pending === undefined || now < state.pending.completesAt)) {
      return fn(state, { ...this.context(state), now });
    }
    return this.change(fn);
  }

  /** Whether libxc fails to open its handle for this command (the 'no-handle' fault). */
  openHandleFails(command: string): Promise<boolean> {
    return this.query((state) => takeFault(state, { kinds: ['no-handle'], action: command }) !== undefined);
  }

  async upload(name: string, bytes: Uint8Array, size: number): Promise<number> {
    // Only an upload reads ELF, so the loader is imported only then (the fakes start faster).
    const { loadPayload } = await import('./elf/load-payload.js');
    return this.change((state, ctx) => hvUpload(state, ctx, name, bytes, size), loadPayload);
  }

  get(name: string): Promise<{ errno: number } | { status: PayloadStatusHv }> {
    return this.query((state, ctx) => hvGet(state, ctx, name));
  }

  list(): Promise<{ errno: number } | { payloads: readonly SimPayload[] }> {
    return this.query((state, ctx) => hvList(state, ctx));
  }

  action(name: string, action: SimActionName, flags: ActionFlags = {}): Promise<number> {
    return this.change((state, ctx) => hvAction(state, ctx, name, action, flags));
  }

  /** The state as it is now, finished actions recorded. */
  snapshot(): Promise<SimState> {
    return this.query((state, ctx) => {
      completeDueWork(state, ctx.now);
      return structuredClone(state);
    });
  }

  /** `xl debug-keys`: only 'x' (the livepatch dump) does anything here. */
  debugKeys(keys: string): Promise<void> {
    return this.change((state, ctx) => {
      completeDueWork(state, ctx.now);
      for (const key of keys) if (key === 'x') dumpPayloads(state, ctx.version);
    });
  }

  /** `xl dmesg [-c]`: the console ring, optionally cleared after reading. */
  readConsole(clear: boolean): Promise<string[]> {
    const read = (state: SimState, ctx: HvContext): string[] => {
      completeDueWork(state, ctx.now);
      const lines = [...state.console];
      if (clear) state.console = [];
      return lines;
    };
    return clear ? this.change(read) : this.query(read);
  }
}

/**
 * The planner's inputs, indexed once, and the judgements about one loaded payload that every part
 * of the planner shares: whether its bytes are the manifest's, and whether Xen will apply it again.
 */
import type { DesiredHypervisor, DesiredPayload, DesiredPresent, LiveHost, LivePayload, UnmanagedPolicy } from '../model/desired.js';

export interface Situation {
  readonly live: LiveHost;
  readonly policy: UnmanagedPolicy;
  /** Every payload the manifest names, in its order. */
  readonly wanted: readonly DesiredPayload[];
  /** The payloads the manifest wants applied, bottom of the stack first. */
  readonly wantedStack: readonly DesiredPresent[];
  readonly loaded: ReadonlyMap<string, LivePayload>;
  /** Loaded payloads the manifest does not name, in the hypervisor's (upload) order. */
  readonly unmanaged: readonly string[];
}

export function situation(desired: DesiredHypervisor, live: LiveHost, policy: UnmanagedPolicy): Situation {
  const named = new Set(desired.payloads.map((d) => d.name));
  return {
    live,
    policy,
    wanted: desired.payloads,
    wantedStack: desired.payloads.filter((d): d is DesiredPresent => d.state === 'applied'),
    loaded: new Map(live.payloads.map((p) => [p.name, p])),
    unmanaged: live.payloads.filter((p) => !named.has(p.name)).map((p) => p.name),
  };
}

/** A loaded payload the manifest does not name and the policy leaves alone. */
export const isKept = (s: Situation, name: string): boolean => s.policy === 'keep' && s.unmanaged.includes(name);

/** Whether the payload the manifest wants applied at `index` is there, on the same payloads in the same order. */
export const inPlace = (s: Situation, order: readonly string[], index: number): boolean =>
  s.wantedStack.slice(0, index + 1).every((d, i) => order[i] === d.name);

export type BytesProblem = 'bytes' | 'unverified';

/** Why xlp cannot use the loaded bytes as the manifest's: other bytes, or bytes it cannot vouch for. */
export function bytesProblem(loaded: LivePayload, wanted: DesiredPresent): BytesProblem | undefined {
  if (loaded.vouched === undefined) return 'unverified';
  return loaded.vouched.sha256 === wanted.facts.sha256 ? undefined : 'bytes';
}

/**
 * Whether Xen would refuse to apply the loaded payload (asynchronously, EINVAL) until it is unloaded
 * and uploaded again: it has writable data and has been reverted, or is about to be
 * (`revertedByPlan`). When xlp does not know whether it was reverted, it assumes it was.
 */
export const refusesReapply = (loaded: LivePayload, revertedByPlan: boolean): boolean =>
  loaded.vouched?.reappliable === false && (revertedByPlan || loaded.reverted !== false);

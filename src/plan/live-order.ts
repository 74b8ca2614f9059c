/**
 * The applied stack as it may be, bottom first. xlp's record gives the order of what xlp applied; a
 * payload applied outside xlp is placed by the build-id chain Xen checks at apply time (a payload's
 * .livepatch.depends is the build-id of the payload below it, or the hypervisor's at the bottom) as
 * far as the vouched facts tell. What stays ambiguous is returned as several orders, for the planner
 * to decide whether the difference matters.
 */
import type { LiveHost } from '../model/desired.js';

/** More possible orders than this is too many to weigh: the plan is blocked instead. */
export const MAX_ORDERS = 24;
/** Steps of the search before it gives up (reached only with many payloads of unknown place). */
const SEARCH_BUDGET = 10_000;

type Fits = (below: string | undefined, above: string) => boolean;

export interface PossibleOrders {
  /** Every order of the applied payloads consistent with what is known; undefined when there are too many. */
  readonly orders: readonly (readonly string[])[] | undefined;
  /** The applied payloads missing from xlp's record, in the hypervisor's order. */
  readonly unplaced: readonly string[];
}

export function possibleOrders(live: LiveHost): PossibleOrders {
  const applied = live.payloads.filter((p) => p.state === 'APPLIED').map((p) => p.name);
  const isApplied = new Set(applied);
  // The record may name payloads reverted or unloaded since by hand: only the applied ones count.
  const known = [...new Set(live.stack)].filter((name) => isApplied.has(name));
  const unplaced = applied.filter((name) => !known.includes(name));
  if (unplaced.length === 0) return { orders: [known], unplaced };
  const chained = interleavings(known, unplaced, chainFits(live));
  // No order fits the chain when something was applied with --nodeps: then any order is possible.
  return { orders: chained?.length === 0 ? interleavings(known, unplaced, () => true) : chained, unplaced };
}

/**
 * Whether `above` can sit directly on `below` (undefined: the hypervisor) by Xen's depends check. A
 * payload whose build-id is unknown can be below one whose depends names no payload xlp knows
 * (loaded build-ids are unique). xlp's record gives the order of what it applied, not what sits
 * directly on what: a payload of unknown place may be between two of them.
 */
function chainFits(live: LiveHost): Fits {
  const facts = new Map(live.payloads.map((p) => [p.name, p.vouched]));
  const knownIds = new Set(live.payloads.flatMap((p) => (p.vouched?.buildId === undefined ? [] : [p.vouched.buildId])));
  return (below, above) => {
    const depends = facts.get(above)?.depends;
    if (depends === undefined) return true;
    if (below === undefined) return depends === live.xenBuildId;
    const belowId = facts.get(below)?.buildId;
    return belowId === undefined ? depends !== live.xenBuildId && !knownIds.has(depends) : depends === belowId;
  };
}

/** The orders that keep `known` in its order, insert every `unplaced` payload somewhere, and fit. */
function interleavings(known: readonly string[], unplaced: readonly string[], fits: Fits): string[][] | undefined {
  const found: string[][] = [];
  let budget = SEARCH_BUDGET;
  const walk = (stack: readonly string[], next: number, rest: readonly string[]): boolean => {
    if (--budget < 0 || found.length > MAX_ORDERS) return false;
    if (next === known.length && rest.length === 0) {
      found.push([...stack]);
      return true;
    }
    const below = stack.at(-1);
    const following = known[next];
    if (following !== undefined && fits(below, following) && !walk([...stack, following], next + 1, rest)) return false;
    return rest.every((name) => !fits(below, name) || walk([...stack, name], next, rest.filter((r) => r !== name)));
  };
  return walk([], 0, unplaced) && found.length <= MAX_ORDERS ? found : undefined;
}

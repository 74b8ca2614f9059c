/**
 * How the host differs from the manifest, in words: one entry per payload per problem (its state or
 * place, then its bytes), payloads in manifest order, then the unmanaged ones the policy removes in
 * the hypervisor's order. Where the applied stack may be in several orders, a place is stated only
 * when every possible order agrees on it.
 */
import type { Difference, DesiredPayload, DesiredPresent, LivePayload } from '../model/desired.js';
import { bytesProblem, inPlace, type Situation } from './situation.js';
import { ABSENT, PLACE_UNKNOWN, UPLOADED, place, stateWords } from './words.js';

type Orders = readonly (readonly string[])[];

export function driftOf(s: Situation, orders: Orders): Difference[] {
  const wantedNames = s.wantedStack.map((d) => d.name);
  /** What every possible order says; undefined when they disagree or none is known. */
  const agreed = (say: (order: readonly string[]) => string): string | undefined => {
    const said = new Set(orders.map(say));
    return said.size === 1 ? [...said][0] : undefined;
  };
  const appliedWords = (name: string): string => agreed((order) => place(order, order.indexOf(name))) ?? PLACE_UNKNOWN;

  const stateOf = (d: DesiredPayload, loaded: LivePayload | undefined): Difference | undefined => {
    if (d.state === 'absent') return loaded && { name: d.name, kind: 'state', want: ABSENT, have: stateWords(loaded, appliedWords(d.name)) };
    const index = wantedNames.indexOf(d.name);
    const want = d.state === 'applied' ? place(wantedNames, index) : UPLOADED;
    if (loaded === undefined) return { name: d.name, kind: 'missing', want, have: null };
    if (loaded.state === 'unknown' || (d.state === 'applied') !== (loaded.state === 'APPLIED')) {
      return { name: d.name, kind: 'state', want, have: stateWords(loaded, appliedWords(d.name)) };
    }
    if (d.state === 'uploaded') return undefined;
    const misplaced = agreed((order) => (inPlace(s, order, index) ? '' : place(order, order.indexOf(d.name))));
    return misplaced === '' ? undefined : { name: d.name, kind: 'order', want, have: misplaced ?? PLACE_UNKNOWN };
  };

  const managed = s.wanted.flatMap((d) => {
    const loaded = s.loaded.get(d.name);
    const bytes = d.state !== 'absent' && loaded !== undefined ? bytesDrift(d, loaded) : undefined;
    return [stateOf(d, loaded), bytes].filter((x): x is Difference => x !== undefined);
  });
  const unmanaged =
    s.policy === 'remove'
      ? s.unmanaged.map((name): Difference => ({ name, kind: 'unmanaged', want: null, have: stateWords(s.loaded.get(name) as LivePayload, appliedWords(name)) }))
      : [];
  return [...managed, ...unmanaged];
}

function bytesDrift(wanted: DesiredPresent, loaded: LivePayload): Difference | undefined {
  const problem = bytesProblem(loaded, wanted);
  if (problem === undefined) return undefined;
  const want = `bytes with sha256 ${wanted.facts.sha256}`;
  const have = problem === 'bytes' ? `bytes with sha256 ${loaded.vouched?.sha256}` : 'bytes xlp cannot vouch for (uploaded outside xlp)';
  return { name: wanted.name, kind: problem, want, have };
}

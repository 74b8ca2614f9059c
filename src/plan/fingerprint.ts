/**
 * A plan is only right for the host it was made from: `sync --plan` compares the fingerprint a saved
 * plan carries with the host's fingerprint now, and refuses the plan when they differ. The
 * fingerprint covers everything the planner reads of the live state, in a fixed shape (arrays, not
 * objects, so that no key order or absent key can change it) and in the hypervisor's own orders.
 */
import { createHash } from 'node:crypto';
import type { LiveHost, PayloadFacts } from '../model/desired.js';

/** Bumped whenever the shape below changes, so that an old plan never matches by accident. */
const SHAPE = 'xlp-live-1';

const factsShape = (f: PayloadFacts | undefined) => f && [f.sha256, f.buildId ?? null, f.depends ?? null, f.xenDepends ?? null, f.reappliable];

/** sha256 (lowercase hex) of the live state a plan starts from. */
export function liveFingerprint(live: LiveHost): string {
  const shape = [
    SHAPE,
    live.xenBuildId,
    live.payloads.map((p) => [p.name, p.state, p.rc, factsShape(p.vouched) ?? null, p.reverted ?? null]),
    live.stack,
  ];
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

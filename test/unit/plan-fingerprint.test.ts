/**
 * The fingerprint of the live state a plan starts from: the same for the same state however it was
 * built, different for any change the planner reads; and a saved plan read back, whole or refused.
 */
import { describe, expect, it } from 'vitest';
import type { LiveHost } from '../../src/model/desired.js';
import { liveFingerprint } from '../../src/plan/fingerprint.js';
import { planSync } from '../../src/plan/plan.js';
import { SAVED_PLAN_FORMAT, readSavedPlan, savePlan } from '../../src/plan/saved-plan.js';
import { applied, byHand, chain, checked, facts, host, manifestOf, want } from '../helpers/plan-fixtures.js';

const [A, B] = chain('A', 'B') as [ReturnType<typeof facts>, ReturnType<typeof facts>];
const live = host([applied('A', A), checked('B', B, { reverted: true }), byHand('Z', 'CHECKED')]);

/** The same object with every key written in reverse order. */
const reversedKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
};

describe('liveFingerprint', () => {
  it('is a sha256 that depends on the state only, not on how the object was built', () => {
    const print = liveFingerprint(live);
    expect(print).toMatch(/^[0-9a-f]{64}$/);
    expect(liveFingerprint(structuredClone(live))).toBe(print);
    expect(liveFingerprint(reversedKeys(live) as LiveHost)).toBe(print);
  });

  const changes: Record<string, LiveHost> = {
    'the hypervisor build-id': { ...live, xenBuildId: 'bb'.repeat(20) },
    "a payload's state": host([applied('A', A), applied('B', B), byHand('Z', 'CHECKED')]),
    "a payload's rc": host([applied('A', A, { rc: 22 }), checked('B', B, { reverted: true }), byHand('Z', 'CHECKED')]),
    'the vouched bytes': host([applied('A', A), checked('B', facts('B2', A.buildId), { reverted: true }), byHand('Z', 'CHECKED')]),
    'whether the bytes are reappliable': host([applied('A', A), checked('B', { ...B, reappliable: false }, { reverted: true }), byHand('Z', 'CHECKED')]),
    'a revert known or not': host([applied('A', A), { name: 'B', state: 'CHECKED', rc: 0, vouched: B }, byHand('Z', 'CHECKED')]),
    'vouched or not': host([applied('A', A), byHand('B', 'CHECKED'), byHand('Z', 'CHECKED')]),
    'the upload order': host([checked('B', B, { reverted: true }), applied('A', A), byHand('Z', 'CHECKED')]),
    'the recorded stack': { ...live, stack: [] },
    'one more payload': host([...live.payloads, byHand('Y', 'CHECKED')]),
    'a name': host([applied('A', A), checked('B', B, { reverted: true }), byHand('W', 'CHECKED')]),
  };
  it.each(Object.entries(changes))('changes with %s', (_, changed) => {
    expect(liveFingerprint(changed)).not.toBe(liveFingerprint(live));
  });
});

describe('a saved plan', () => {
  const plan = planSync(manifestOf(want('A', 'applied', A), want('B', 'applied', B)), live, 'remove');
  const saved = savePlan(plan, live);

  it('carries the fingerprint of the state it was made from and survives JSON', () => {
    expect(saved).toEqual({ format: SAVED_PLAN_FORMAT, fingerprint: liveFingerprint(live), plan });
    expect(plan.steps.length).toBeGreaterThan(0);
    expect(readSavedPlan(JSON.parse(JSON.stringify(saved)))).toEqual(saved);
  });

  const broken: Record<string, unknown> = {
    'another format': { ...saved, format: 'xlp-plan-0' },
    'a fingerprint that is no sha256': { ...saved, fingerprint: 'abc' },
    'no plan': { ...saved, plan: undefined },
    'an unknown action': { ...saved, plan: { ...plan, steps: [{ action: 'replace', name: 'A', why: 'x' }] } },
    'a step without why': { ...saved, plan: { ...plan, steps: [{ action: 'apply', name: 'A' }] } },
    'an unknown difference kind': { ...saved, plan: { ...plan, differences: [{ name: 'A', kind: 'size', want: null, have: null }] } },
    'a blocked reason that is no string': { ...saved, plan: { ...plan, blocked: 1 } },
    'unmanaged names that are no strings': { ...saved, plan: { ...plan, unmanaged: [1] } },
    'not an object': [saved],
  };
  it.each(Object.entries(broken))('is refused with %s', (_, value) => {
    expect(readSavedPlan(value)).toEqual({ invalid: expect.any(String) });
  });
});

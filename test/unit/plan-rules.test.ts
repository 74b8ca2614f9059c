/**
 * The planner's rules, case by case with exact plans: minimality, the LIFO stack, bytes xlp cannot
 * use, payloads Xen applies again only after a fresh upload, unmanaged payloads, payloads applied
 * outside xlp, and every reason a plan is blocked. (The enumerated state space, judged by the
 * simulated hypervisor, is plan-state-space.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/desired.js';
import { planSync } from '../../src/plan/plan.js';
import { ordinal } from '../../src/plan/words.js';
import { XEN, applied, byHand, chain, checked, facts, gone, host, manifestOf, want } from '../helpers/plan-fixtures.js';

const steps = (plan: Plan): string[] => plan.steps.map((s) => `${s.action} ${s.name}`);
const drift = (plan: Plan): string[] => plan.differences.map((d) => `${d.name} ${d.kind}`);

const [A, B, C] = chain('A', 'B', 'C') as [ReturnType<typeof facts>, ReturnType<typeof facts>, ReturnType<typeof facts>];
const all = manifestOf(want('A', 'applied', A), want('B', 'applied', B), want('C', 'applied', C));
const stackOfThree = host([applied('A', A), applied('B', B), applied('C', C)]);

describe('a host that matches', () => {
  it('gives no step and no difference', () => {
    const plan = planSync(all, stackOfThree, 'remove');
    expect(plan).toEqual({ xenBuildId: XEN, steps: [], differences: [], unmanaged: [] });
  });

  it('lists a kept unmanaged payload on top without counting it as drift', () => {
    const X = facts('X', C.buildId);
    const plan = planSync(all, host([applied('A', A), applied('B', B), applied('C', C), applied('X', X)]), 'keep');
    expect(plan).toEqual({ xenBuildId: XEN, steps: [], differences: [], unmanaged: ['X'] });
  });
});

describe('minimal plans on the LIFO stack', () => {
  it('changing the top only reverts the top', () => {
    const C2 = facts('C2', B.buildId);
    const plan = planSync(manifestOf(want('A', 'applied', A), want('B', 'applied', B), want('C', 'applied', C2)), stackOfThree, 'keep');
    expect(steps(plan)).toEqual(['revert C', 'unload C', 'upload C', 'apply C']);
    expect(plan.steps.map((s) => s.why)).toEqual([
      "C is loaded with other bytes than the manifest's file",
      "C is loaded with other bytes than the manifest's file",
      "C is uploaded again from the manifest's file",
      'C is applied again on B',
    ]);
  });

  it('changing the bottom of three reverts 3, then 2, then 1, and applies them back in order', () => {
    const A2 = facts('A2');
    const plan = planSync(manifestOf(want('A', 'applied', A2), want('B', 'applied', B), want('C', 'applied', C)), stackOfThree, 'keep');
    expect(steps(plan)).toEqual(['revert C', 'revert B', 'revert A', 'unload A', 'upload A', 'apply A', 'apply B', 'apply C']);
    expect(plan.steps[0]?.why).toBe('C is above A, which must change');
    expect(drift(plan)).toEqual(['A bytes']);
  });

  it('a missing top is only uploaded and applied', () => {
    const plan = planSync(all, host([applied('A', A), applied('B', B)]), 'keep');
    expect(steps(plan)).toEqual(['upload C', 'apply C']);
    expect(plan.steps[0]?.why).toBe('C is wanted applied and is not loaded');
  });

  it('a top wanted absent is reverted and unloaded; one wanted uploaded is only reverted', () => {
    expect(steps(planSync(manifestOf(want('A', 'applied', A), want('B', 'applied', B), gone('C')), stackOfThree, 'keep'))).toEqual(['revert C', 'unload C']);
    expect(steps(planSync(manifestOf(want('A', 'applied', A), want('B', 'applied', B), want('C', 'uploaded', C)), stackOfThree, 'keep'))).toEqual(['revert C']);
  });

  it('a middle payload wanted uploaded takes down what is above it, and only that', () => {
    const plan = planSync(manifestOf(want('A', 'applied', A), want('B', 'uploaded', B), gone('C')), stackOfThree, 'keep');
    expect(steps(plan)).toEqual(['revert C', 'revert B', 'unload C']);
    expect(plan.steps.map((s) => s.why)).toEqual(['C is wanted absent', 'B is wanted uploaded, not applied', 'C is wanted absent']);
  });

  it('a CHECKED payload of the right bytes is applied as it is, never uploaded again', () => {
    const plan = planSync(all, host([applied('A', A), checked('B', B, { reverted: true }), checked('C', C)]), 'keep');
    expect(steps(plan)).toEqual(['apply B', 'apply C']);
  });

  it('an out-of-order stack is taken down to the common bottom and built again', () => {
    // B was applied on A by hand with --nodeps, the wrong way round; xlp's record knows the order.
    const live = host([applied('A', A), applied('C', C), applied('B', B)], ['A', 'C', 'B']);
    const plan = planSync(all, live, 'keep');
    expect(steps(plan)).toEqual(['revert B', 'revert C', 'apply B', 'apply C']);
    expect(plan.differences).toEqual([
      { name: 'B', kind: 'order', want: 'APPLIED, 2nd from the bottom, on A', have: 'APPLIED, 3rd from the bottom, on C' },
      { name: 'C', kind: 'order', want: 'APPLIED, 3rd from the bottom, on B', have: 'APPLIED, 2nd from the bottom, on A' },
    ]);
  });
});

describe('bytes xlp cannot use', () => {
  it('bytes uploaded by hand are unloaded and uploaded again, also when they are the right ones', () => {
    const plan = planSync(manifestOf(want('A', 'uploaded', A)), host([byHand('A', 'CHECKED')]), 'keep');
    expect(steps(plan)).toEqual(['unload A', 'upload A']);
    expect(plan.differences).toEqual([{ name: 'A', kind: 'unverified', want: `bytes with sha256 ${A.sha256}`, have: 'bytes xlp cannot vouch for (uploaded outside xlp)' }]);
    expect(plan.steps[0]?.why).toBe('xlp cannot vouch for the bytes loaded as A (uploaded outside xlp)');
  });

  it('a payload with writable data reverted earlier is uploaded again before it is applied', () => {
    const Bdata = facts('B', A.buildId, false);
    const m = manifestOf(want('A', 'applied', A), want('B', 'applied', Bdata));
    const plan = planSync(m, host([applied('A', A), checked('B', Bdata, { reverted: true })]), 'keep');
    expect(steps(plan)).toEqual(['unload B', 'upload B', 'apply B']);
    expect(plan.steps[0]?.why).toBe('B has writable data: once reverted, Xen applies it again only after a fresh upload');
    expect(plan.differences).toEqual([{ name: 'B', kind: 'state', want: 'APPLIED, 2nd from the bottom, on A', have: 'CHECKED (reverted)' }]);
  });

  it('one never reverted is applied as it is; one whose history xlp does not know is uploaded again', () => {
    const Bdata = facts('B', A.buildId, false);
    const m = manifestOf(want('A', 'applied', A), want('B', 'applied', Bdata));
    expect(steps(planSync(m, host([applied('A', A), checked('B', Bdata, { reverted: false })]), 'keep'))).toEqual(['apply B']);
    const unknown = { name: 'B', state: 'CHECKED', rc: 0, vouched: Bdata } as const;
    expect(steps(planSync(m, host([applied('A', A), unknown]), 'keep'))).toEqual(['unload B', 'upload B', 'apply B']);
  });

  it('a payload with writable data that the plan reverts is uploaded again before it is applied back', () => {
    const Bdata = facts('B', A.buildId, false);
    const m = manifestOf(want('A', 'applied', facts('A2')), want('B', 'applied', Bdata));
    const plan = planSync(m, host([applied('A', A), applied('B', Bdata)]), 'keep');
    expect(steps(plan)).toEqual(['revert B', 'revert A', 'unload A', 'unload B', 'upload A', 'apply A', 'upload B', 'apply B']);
  });
});

describe('unmanaged payloads', () => {
  const X = facts('X', A.buildId);
  const live = host([applied('A', A), applied('X', X), checked('Y', facts('Y'))]);

  it('--unmanaged remove reverts and unloads them, and counts them as drift', () => {
    const plan = planSync(manifestOf(want('A', 'applied', A)), live, 'remove');
    expect(steps(plan)).toEqual(['revert X', 'unload X', 'unload Y']);
    expect(plan.differences).toEqual([
      { name: 'X', kind: 'unmanaged', want: null, have: 'APPLIED, 2nd from the bottom, on A' },
      { name: 'Y', kind: 'unmanaged', want: null, have: 'CHECKED' },
    ]);
    expect(plan.unmanaged).toEqual(['X', 'Y']);
  });

  it('--unmanaged keep leaves them alone while nothing below them changes', () => {
    const plan = planSync(manifestOf(want('A', 'applied', A), want('Q', 'uploaded', facts('Q'))), live, 'keep');
    expect(steps(plan)).toEqual(['upload Q']);
    expect(plan.unmanaged).toEqual(['X', 'Y']);
  });

  it('a kept one above a payload that must change blocks the plan, saying what to do', () => {
    const plan = planSync(manifestOf(want('A', 'applied', facts('A2'))), live, 'keep');
    expect(plan.blocked).toBe(
      'X is applied above A, which must change, but it is not in the manifest and --unmanaged keep leaves it alone: use --unmanaged remove, or revert and unload it first',
    );
    expect(plan.steps).toEqual([]);
    expect(drift(plan)).toEqual(['A bytes']);
  });

  it('a kept one where the next wanted payload must be applied blocks the plan', () => {
    const plan = planSync(manifestOf(want('A', 'applied', A), want('B', 'applied', B)), live, 'keep');
    expect(plan.blocked).toMatch(/^X is applied on A, where B must be applied, but .* --unmanaged remove/);
  });

  it('a kept one with the build-id of a payload to upload blocks the plan (Xen refuses twins)', () => {
    const plan = planSync(manifestOf(want('Q', 'uploaded', facts('Y'))), live, 'keep');
    expect(plan.blocked).toBe("Y is loaded with the build-id of Q's file, and Xen refuses the same payload twice: use --unmanaged remove, or unload it first");
    const twice = planSync(manifestOf(want('A', 'applied', A), want('Q', 'uploaded', A)), live, 'remove');
    expect(twice.blocked).toBe("A is loaded with the build-id of Q's file, and Xen refuses the same payload twice: the manifest names the same payload twice");
  });
});

describe('payloads applied outside xlp', () => {
  it('are placed by the build-id chain when xlp can vouch for their bytes', () => {
    const plan = planSync(all, host([applied('C', C), applied('A', A), applied('B', B)], []), 'keep');
    expect(plan).toEqual({ xenBuildId: XEN, steps: [], differences: [], unmanaged: [] });
  });

  it('are placed between known ones by what the payload above depends on', () => {
    const plan = planSync(manifestOf(want('A', 'applied', A), want('B', 'applied', B), gone('C')), host([applied('A', A), byHand('B'), applied('C', C)]), 'keep');
    expect(steps(plan)).toEqual(['revert C', 'revert B', 'unload B', 'unload C', 'upload B', 'apply B']);
  });

  it('matter only when their possible places need different plans', () => {
    const live = host([applied('A', A), byHand('U'), byHand('V')]);
    const plan = planSync(manifestOf(want('A', 'applied', A), want('Q', 'uploaded', facts('Q'))), live, 'keep');
    expect(steps(plan)).toEqual(['upload Q']);
    const blocked = planSync(manifestOf(want('A', 'applied', facts('A2'))), live, 'remove');
    expect(blocked.blocked).toBe('U, V were applied outside xlp and the build-ids do not tell where in the stack: revert them (and what is above) with xen-livepatch, then run again');
    expect(blocked.steps).toEqual([]);
    expect(blocked.differences).toEqual([
      { name: 'A', kind: 'bytes', want: `bytes with sha256 ${facts('A2').sha256}`, have: `bytes with sha256 ${A.sha256}` },
      { name: 'U', kind: 'unmanaged', want: null, have: 'APPLIED, at a place in the stack xlp does not know' },
      { name: 'V', kind: 'unmanaged', want: null, have: 'APPLIED, at a place in the stack xlp does not know' },
    ]);
  });

  it('any order is possible when the chain contradicts itself (applied with --nodeps)', () => {
    const B0 = facts('B0'); // built on the hypervisor, applied on A with --nodeps
    const plan = planSync(manifestOf(want('A', 'applied', A), gone('B')), host([applied('A', A), applied('B', B0)], []), 'keep');
    expect(plan.blocked).toMatch(/^A, B were applied outside xlp/);
  });
});

describe('plans that must wait', () => {
  it('an action in flight (EAGAIN) or a state xen-livepatch does not know blocks every plan', () => {
    const inFlight = planSync(all, host([applied('A', A), applied('B', B, { rc: 11 })]), 'keep');
    expect(inFlight.blocked).toBe('B has an action in flight or a state xen-livepatch does not know: wait for it to end, then run again');
    const unknown = planSync(all, host([applied('A', A), byHand('Z', 'unknown')]), 'keep');
    expect(unknown.blocked).toMatch(/^Z has an action in flight/);
    expect(unknown.unmanaged).toEqual(['Z']);
  });

  it('a manifest entry for another hypervisor is refused', () => {
    const plan = planSync({ ...all, buildId: 'bb'.repeat(20) }, stackOfThree, 'keep');
    expect(plan.blocked).toBe(`the manifest's entry is for hypervisor build-id ${'bb'.repeat(20)}, but the host runs ${XEN}`);
  });
});

describe('differences', () => {
  it('one entry per payload per problem, in manifest order, then unmanaged ones in the hypervisor order', () => {
    const live = host([byHand('Z', 'CHECKED'), applied('A', A), checked('B', facts('B2', A.buildId)), checked('D', facts('D'))]);
    const m = manifestOf(want('A', 'uploaded', A), want('B', 'applied', B), want('C', 'applied', C), gone('D'));
    expect(planSync(m, live, 'remove').differences).toEqual([
      { name: 'A', kind: 'state', want: 'CHECKED (uploaded, not applied)', have: 'APPLIED, at the bottom of the stack' },
      { name: 'B', kind: 'state', want: 'APPLIED, at the bottom of the stack', have: 'CHECKED' },
      { name: 'B', kind: 'bytes', want: `bytes with sha256 ${B.sha256}`, have: `bytes with sha256 ${facts('B2', A.buildId).sha256}` },
      { name: 'C', kind: 'missing', want: 'APPLIED, 2nd from the bottom, on B', have: null },
      { name: 'D', kind: 'state', want: 'not loaded', have: 'CHECKED' },
      { name: 'Z', kind: 'unmanaged', want: null, have: 'CHECKED' },
    ]);
  });

  it('says ordinals as people do', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th', '112th']);
  });
});

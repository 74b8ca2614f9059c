/**
 * The planner over the enumerated state space, judged by the simulated hypervisor: every host Xen
 * allows with payloads A, B (with .data), C (on B), B's other build B2 and X (on A), uploaded by xlp
 * or by hand, planned towards every manifest under both policies. For each: the plan is blocked
 * exactly when no sequence of xlp operations reaches the manifest; otherwise the simulator accepts
 * every step, the host ends as the manifest asks, nothing kept was touched, the plan has as few steps
 * as the shortest path the simulator allows, and planning again finds nothing to do.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DesiredHypervisor, DesiredPresent, Plan, UnmanagedPolicy } from '../../src/model/desired.js';
import { UNMANAGED_POLICIES } from '../../src/model/desired.js';
import { planSync } from '../../src/plan/plan.js';
import { MANIFESTS, buildCast, expectedDrift, fileAt, manifest, reached, shortestPaths, startWorlds, type Cast } from '../helpers/plan-space.js';
import { copyWorld, liveOf, perform, worldKey, type PayloadFile, type World } from '../helpers/plan-world.js';

let cast: Cast;
let starts: World[];
let fileOf: (path: string) => PayloadFile;

beforeAll(async () => {
  cast = await buildCast();
  fileOf = fileAt(cast);
  starts = startWorlds(cast);
});

const steps = (plan: Plan): string => plan.steps.map((s) => `${s.action} ${s.name}`).join(', ');

/** What the manifest does not name, as it is on the host: a kept payload must end exactly so. */
function unmanagedPart(w: World, m: DesiredHypervisor): string {
  const named = new Set(m.payloads.map((d) => d.name));
  return w.sim.payloads
    .filter((p) => !named.has(p.name))
    .map((p) => `${p.name} ${p.state} ${p.sha256} ${w.record.get(p.name)?.sha256} ${w.sim.applied.indexOf(p.name)}`)
    .sort()
    .join(';');
}

/** Runs the plan on a copy of the world; why it went wrong, or undefined. */
function execute(start: World, m: DesiredHypervisor, plan: Plan): { world: World; failed?: string } {
  const world = copyWorld(start);
  for (const step of plan.steps) {
    const wanted = m.payloads.find((d): d is DesiredPresent => d.name === step.name && d.state !== 'absent');
    const failed = perform(world, step.action, step.name, 'xlp', wanted && fileOf(wanted.file));
    if (failed !== undefined) return { world, failed: `the simulated Xen refused ${failed}` };
  }
  return { world };
}

/** What is wrong with the plan for one start state, or undefined. */
function judge(start: World, m: DesiredHypervisor, policy: UnmanagedPolicy, shortest: number | undefined): string | undefined {
  const plan = planSync(m, liveOf(start), policy);
  const drift = plan.differences.map((d) => `${d.name} ${d.kind}`);
  if (drift.join() !== expectedDrift(start, m, policy).join()) return `differences ${drift.join(', ')}, not ${expectedDrift(start, m, policy).join(', ')}`;
  if (shortest === undefined) {
    if (plan.blocked === undefined) return `not blocked, though no xlp operations reach the manifest: ${steps(plan)}`;
    const named = new Set(m.payloads.map((d) => d.name));
    const inTheWay = start.sim.applied.filter((name) => !named.has(name));
    const why = `blocked for the wrong reason: ${plan.blocked}`;
    if (policy !== 'keep' || !inTheWay.some((name) => plan.blocked?.startsWith(`${name} is applied `)) || !plan.blocked.includes('--unmanaged remove')) return why;
    return plan.steps.length === 0 ? undefined : 'a blocked plan has steps';
  }
  if (plan.blocked !== undefined) return `blocked (${plan.blocked}), though ${shortest} operations reach the manifest`;
  if (plan.steps.length !== shortest) return `${plan.steps.length} steps where ${shortest} suffice: ${steps(plan)}`;
  if ((plan.differences.length > 0) !== (plan.steps.length > 0)) return `${plan.differences.length} differences for ${plan.steps.length} steps`;
  if (plan.steps.some((s) => s.why === '' || s.why.includes('\n'))) return 'a step without a one-line why';
  const { world, failed } = execute(start, m, plan);
  if (failed !== undefined) return `${failed} (plan: ${steps(plan)})`;
  if (!reached(world, m, policy)) return `the host does not end as the manifest asks (plan: ${steps(plan)})`;
  if (policy === 'keep' && unmanagedPart(world, m) !== unmanagedPart(start, m)) return `a kept payload was touched (plan: ${steps(plan)})`;
  const again = planSync(m, liveOf(world), policy);
  if (again.steps.length + again.differences.length > 0 || again.blocked !== undefined) return `planning again is not empty: ${steps(again)} ${JSON.stringify(again.differences)}`;
  return undefined;
}

describe('the enumerated start states', () => {
  it('cover every state Xen allows: stacks, reverted payloads with .data, bytes uploaded by hand', () => {
    const stacks = new Set(starts.map((w) => w.sim.applied.join(',')));
    expect([...stacks].sort()).toEqual(['', 'A', 'A,B', 'A,B,C', 'A,X']);
    expect(starts.some((w) => w.sim.payloads.some((p) => p.name === 'B' && p.reverted && p.hasData))).toBe(true);
    expect(starts.some((w) => w.sim.applied.some((name) => !w.record.has(name)))).toBe(true);
    expect(new Set(starts.map(worldKey)).size).toBe(starts.length);
  });
});

/** Cases judged and plans blocked, per policy: the enumeration must reach the blocked path and the others. */
const tally = { keep: { cases: 0, blocked: 0, steps: 0 }, remove: { cases: 0, blocked: 0, steps: 0 } };

describe.each(Object.keys(MANIFESTS))('planSync towards "%s", judged by the simulated hypervisor', (name) => {
  let m: DesiredHypervisor;
  let shortestFor: ReturnType<typeof shortestPaths>;
  beforeAll(() => {
    m = manifest((MANIFESTS[name] as (c: Cast) => never)(cast));
    shortestFor = shortestPaths(starts, m, fileOf);
  });

  it.each(UNMANAGED_POLICIES)('--unmanaged %s', (policy) => {
    const shortest = shortestFor(policy);
    const failures: string[] = [];
    for (const start of starts) {
      const distance = shortest.get(worldKey(start));
      const wrong = judge(start, m, policy, distance);
      if (wrong !== undefined) failures.push(`${worldKey(start)}: ${wrong}`);
      tally[policy].cases++;
      if (distance === undefined) tally[policy].blocked++;
      else tally[policy].steps += distance;
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });
});

describe('the enumeration as a whole', () => {
  it('judged every start towards every manifest, blocked plans only where a kept payload is in the way', () => {
    const cases = starts.length * Object.keys(MANIFESTS).length;
    expect(tally.keep.cases).toBe(cases);
    expect(tally.remove.cases).toBe(cases);
    expect(tally.remove.blocked).toBe(0);
    expect(tally.keep.blocked).toBeGreaterThan(0);
    expect(tally.keep.steps).toBeGreaterThan(0);
  });
});

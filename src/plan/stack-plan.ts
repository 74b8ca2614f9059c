/**
 * The steps from one known applied stack to the manifest, by Xen's rules: only the top of the stack
 * can be reverted, a payload is applied on the one below it, a reverted payload with writable data
 * is applied again only after a fresh upload, and xlp applies only bytes it verified. The longest
 * bottom part of the stack that is already what the manifest wants is kept; everything above the
 * lowest payload that must change is reverted, top first; then what must go is unloaded, and what
 * is missing is uploaded and applied, bottom first.
 */
import type { DesiredPresent, PlanStep } from '../model/desired.js';
import { bytesProblem, inPlace, isKept, refusesReapply, type Situation } from './situation.js';
import { onWhat } from './words.js';

export interface StackPlan {
  readonly steps: readonly PlanStep[];
  readonly blocked?: string;
}

export function planOnStack(s: Situation, order: readonly string[]): StackPlan {
  const kept = keptPrefix(s, order);
  const cut = lowestChange(s, order, kept);
  const reverted = order.slice(cut).reverse();
  const inTheWay = reverted.find((name) => isKept(s, name));
  if (inTheWay !== undefined) {
    const where = order[cut] === inTheWay ? `on ${onWhat(order, cut)}, where ${s.wantedStack[kept]?.name} must be applied` : `above ${order[cut]}, which must change`;
    return { steps: [], blocked: `${inTheWay} is applied ${where}, but it is not in the manifest and --unmanaged keep leaves it alone: use --unmanaged remove, or revert and unload it first` };
  }
  const revertedSet = new Set(reverted);
  const unloads = unloadsFor(s, kept, revertedSet);
  const gone = new Set(unloads.map((step) => step.name));
  const reverts = reverted.map((name): PlanStep => ({ action: 'revert', name, why: ownChange(s, order, name) ?? `${name} is above ${order[cut]}, which must change` }));
  const additions = s.wanted.flatMap((d) => (d.state === 'absent' ? [] : additionsFor(s, d, kept, gone)));
  const twin = sameBuildId(s, additions, gone);
  if (twin !== undefined) return { steps: [], blocked: twin };
  return { steps: [...reverts, ...unloads, ...additions] };
}

/** How many payloads at the bottom of the stack are already the manifest's, in its order, with its bytes. */
function keptPrefix(s: Situation, order: readonly string[]): number {
  let kept = 0;
  for (const want of s.wantedStack) {
    const loaded = s.loaded.get(want.name);
    if (order[kept] !== want.name || loaded === undefined || bytesProblem(loaded, want) !== undefined) break;
    kept++;
  }
  return kept;
}

/**
 * The index of the lowest payload that must leave the stack. While the manifest wants more applied,
 * everything above the kept part must go (the next one is applied on it); once it is complete, only
 * what the manifest does not want applied must go, and kept unmanaged payloads on top may stay.
 */
function lowestChange(s: Situation, order: readonly string[], kept: number): number {
  if (kept < s.wantedStack.length) return kept;
  const index = order.findIndex((name, i) => i >= kept && !isKept(s, name));
  return index < 0 ? order.length : index;
}

/** Why an applied payload must leave the stack on its own account; undefined when only what is below it changes. */
function ownChange(s: Situation, order: readonly string[], name: string): string | undefined {
  const wanted = s.wanted.find((d) => d.name === name);
  if (wanted === undefined) return `${name} is not in the manifest (--unmanaged remove)`;
  if (wanted.state === 'absent') return `${name} is wanted absent`;
  if (wanted.state === 'uploaded') return `${name} is wanted uploaded, not applied`;
  const problem = reloadReason(s, wanted);
  if (problem !== undefined) return problem;
  return inPlace(s, order, s.wantedStack.indexOf(wanted)) ? undefined : `${name} is applied out of place`;
}

/** Why the loaded bytes of a wanted payload must be replaced by the manifest's; undefined when they need not be. */
function reloadReason(s: Situation, wanted: DesiredPresent): string | undefined {
  const loaded = s.loaded.get(wanted.name);
  const problem = loaded && bytesProblem(loaded, wanted);
  if (problem === 'bytes') return `${wanted.name} is loaded with other bytes than the manifest's file`;
  if (problem === 'unverified') return `xlp cannot vouch for the bytes loaded as ${wanted.name} (uploaded outside xlp)`;
  return undefined;
}

/** The unloads, in manifest order, then the unmanaged payloads the policy removes, in the hypervisor's order. */
function unloadsFor(s: Situation, kept: number, reverted: ReadonlySet<string>): PlanStep[] {
  const unload = (name: string, why: string): PlanStep => ({ action: 'unload', name, why });
  const managed = s.wanted.flatMap((d): PlanStep[] => {
    const loaded = s.loaded.get(d.name);
    if (loaded === undefined) return [];
    if (d.state === 'absent') return [unload(d.name, `${d.name} is wanted absent`)];
    const reload = reloadReason(s, d);
    if (reload !== undefined) return [unload(d.name, reload)];
    const reapplied = d.state === 'applied' && s.wantedStack.indexOf(d) >= kept;
    return reapplied && refusesReapply(loaded, reverted.has(d.name))
      ? [unload(d.name, `${d.name} has writable data: once reverted, Xen applies it again only after a fresh upload`)]
      : [];
  });
  const unmanaged = s.policy === 'remove' ? s.unmanaged.map((name) => unload(name, `${name} is not in the manifest (--unmanaged remove)`)) : [];
  return [...managed, ...unmanaged];
}

/** Upload and apply steps for one wanted payload, given what the plan unloads (`gone`). */
function additionsFor(s: Situation, wanted: DesiredPresent, kept: number, gone: ReadonlySet<string>): PlanStep[] {
  const { name } = wanted;
  const loaded = s.loaded.get(name);
  const steps: PlanStep[] = [];
  if (loaded === undefined) steps.push({ action: 'upload', name, why: `${name} is wanted ${wanted.state} and is not loaded` });
  else if (gone.has(name)) steps.push({ action: 'upload', name, why: `${name} is uploaded again from the manifest's file` });
  const index = s.wantedStack.indexOf(wanted);
  if (index >= kept) {
    const again = loaded?.state === 'APPLIED' ? ' again' : '';
    steps.push({ action: 'apply', name, why: `${name} is applied${again} on ${onWhat(s.wantedStack.map((d) => d.name), index)}` });
  }
  return steps;
}

/**
 * Xen refuses to upload a payload whose build-id a loaded one already has (EEXIST): a payload that
 * stays loaded under another name and holds the build-id of one the plan uploads blocks the plan.
 */
function sameBuildId(s: Situation, additions: readonly PlanStep[], gone: ReadonlySet<string>): string | undefined {
  for (const step of additions) {
    if (step.action !== 'upload') continue;
    const wanted = s.wanted.find((d): d is DesiredPresent => d.name === step.name && d.state !== 'absent');
    const id = wanted?.facts.buildId;
    const twin = s.live.payloads.find((p) => p.name !== step.name && !gone.has(p.name) && id !== undefined && p.vouched?.buildId === id);
    if (twin === undefined) continue;
    const what = isKept(s, twin.name) ? 'use --unmanaged remove, or unload it first' : 'the manifest names the same payload twice';
    return `${twin.name} is loaded with the build-id of ${step.name}'s file, and Xen refuses the same payload twice: ${what}`;
  }
  return undefined;
}

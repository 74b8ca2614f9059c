/**
 * The stack order a manifest writes, against the payloads' own build-ids, by Xen's rules and no
 * others (src/verify/preflight.ts owns them): the applied entries of one hypervisor, in list order,
 * are applied one on the other, so the first one's .livepatch.depends must be the hypervisor's
 * build-id and each later one's the build-id of the applied entry before it. uploaded entries are
 * loaded but not applied: Xen checks no depends for them, so they are not part of the stack, wherever
 * they are listed. Every present entry is uploaded, so its .livepatch.xen_depends must be the
 * hypervisor's build-id, and no two of them may share a build-id (EEXIST).
 */
import type { PayloadFacts } from '../model/desired.js';
import { printable } from '../model/text.js';
import { applyBase, dependsRefusal, xenDependsRefusal, type StackBase } from '../verify/preflight.js';
import type { ManifestEntry } from './parse.js';
import type { ManifestProblem } from './problems.js';

export interface CheckedEntry {
  readonly entry: ManifestEntry;
  readonly facts: PayloadFacts;
}

/** xen_depends of one present entry against its hypervisor's build-id (Xen checks it at upload). */
export function xenDependsProblem(buildId: string, entry: ManifestEntry, facts: PayloadFacts): ManifestProblem | undefined {
  const refusal = xenDependsRefusal(entry.name, facts, buildId, 'the build-id of its hypervisor entry');
  if (refusal === undefined) return undefined;
  const fix =
    facts.xenDepends === undefined
      ? 'use a payload built for this hypervisor'
      : `list it under the hypervisor it was built for (build-id ${facts.xenDepends}), or use the payload built for ${buildId}`;
  return { ...(entry.at.file ?? entry.position), message: `payload ${printable(entry.name, 40)}: ${refusal.message}; ${fix}` };
}

/** The problems of one hypervisor's present entries, all of whose files were read and sound, in list order. */
export function stackProblems(buildId: string, checked: readonly CheckedEntry[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const byBuildId = new Map<string, CheckedEntry>();
  for (const c of checked) {
    const id = c.facts.buildId;
    if (id === undefined) continue;
    const twin = byBuildId.get(id);
    if (twin !== undefined) {
      problems.push({
        ...(c.entry.at.file ?? c.entry.position),
        message: `payload ${printable(c.entry.name, 40)} has the build-id of payload ${printable(twin.entry.name, 40)} (line ${twin.entry.position.line}), ${id}, and Xen refuses to load one build-id twice (EEXIST); remove one of the two entries`,
      });
    } else byBuildId.set(id, c);
  }
  const applied: Array<{ name: string; buildId: string }> = [];
  for (const c of checked) {
    if (c.entry.state !== 'applied') continue;
    const base = applyBase(buildId, applied);
    const refusal = dependsRefusal(c.entry.name, c.facts, base, 'apply');
    if (refusal !== undefined) {
      problems.push({ ...c.entry.position, message: `payload ${printable(c.entry.name, 40)} cannot be applied at this place in the stack: ${refusal.message}; ${fixOrder(buildId, c, base, checked)}` });
    }
    applied.push({ name: c.entry.name, buildId: c.facts.buildId ?? '' });
  }
  return problems;
}

/** What to write instead: where the payload it was built on is, or what to build. */
function fixOrder(buildId: string, c: CheckedEntry, base: StackBase, checked: readonly CheckedEntry[]): string {
  const depends = c.facts.depends;
  if (depends === buildId) return 'it was built on the hypervisor itself: list it first among the applied payloads';
  const below = checked.find((other) => other !== c && other.facts.buildId === depends);
  if (below !== undefined) {
    const other = `${printable(below.entry.name, 40)} (line ${below.entry.position.line})`;
    return below.entry.state === 'applied'
      ? `it was built on ${other}: list it directly after ${printable(below.entry.name, 40)} among the applied payloads`
      : `it was built on ${other}, which is only uploaded: make ${printable(below.entry.name, 40)} applied, directly before it`;
  }
  const on = base.kind === 'xen' ? 'the hypervisor' : base.name;
  return `no payload of this hypervisor has build-id ${depends ?? '(none)'}: list the payload it was built on before it, or use one built on ${on} (livepatch-build --depends ${base.buildId})`;
}

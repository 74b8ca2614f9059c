/**
 * Check and plan: where a host stands against the manifest, read-only (no lock, no journal). Check
 * answers monitoring's one question (does the host carry exactly what it should?); plan shows the
 * exact steps a sync would take, and can be saved with the live state it starts from.
 */
import type { Backend } from '../../host/backend.js';
import type { LiveHost, Manifest, Plan, UnmanagedPolicy } from '../../model/desired.js';
import type { CheckResult, PlanResult } from '../../model/results.js';
import { planSync } from '../../plan/plan.js';
import type { PayloadRecords } from '../../verify/store.js';
import { gatherLive } from './live-host.js';
import { stepCommand } from './run-step.js';
import { entryFor } from './target.js';

export interface Standing {
  readonly live: LiveHost;
  readonly plan: Plan;
}

/** The host's live state and the plan from it to the manifest; a build-id the manifest does not list is refused (exit 15). */
export async function standing(backend: Backend, records: PayloadRecords, manifest: Manifest, unmanaged?: UnmanagedPolicy): Promise<Standing> {
  const live = await gatherLive(backend, records);
  const desired = entryFor(manifest, live.xenBuildId, backend.host);
  return { live, plan: planSync(desired, live, unmanaged ?? manifest.unmanaged) };
}

export function checkResult(host: string, manifest: Manifest, { plan }: Standing): CheckResult {
  return {
    host,
    manifest: manifest.path,
    xenBuildId: plan.xenBuildId,
    inSync: plan.differences.length === 0,
    differences: plan.differences,
    unmanaged: plan.unmanaged,
    blocked: plan.blocked ?? null,
  };
}

export function planResult(backend: Backend, manifest: Manifest, { plan }: Standing, savedTo: string | null): PlanResult {
  return {
    host: backend.host,
    manifest: manifest.path,
    xenBuildId: plan.xenBuildId,
    steps: plan.steps.map((s) => ({ ...s, command: stepCommand(backend, s) })),
    differences: plan.differences,
    unmanaged: plan.unmanaged,
    blocked: plan.blocked ?? null,
    savedTo,
  };
}

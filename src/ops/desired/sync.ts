/**
 * Sync: one session that takes a host from its live state to the manifest's, step by step, each step
 * one journaled change under the one host lock. Before the first step every payload file is verified
 * (sha256, the signature policy) and kept on the host; a saved plan is refused when the host is no
 * longer where it started; a plan Xen's rules forbid is refused whole. The first failure stops the
 * sync, which then undoes what it did (restore.ts) and says in which state it left the host. A stop
 * request ends the step under way and stops there: a sync run again finishes the work.
 */
import { ExitCode, XlpError, asXlpError } from '../../errors.js';
import type { DesiredHypervisor, DesiredPresent, LiveHost, Plan, UnmanagedPolicy } from '../../model/desired.js';
import type { SyncResult, SyncStepResult } from '../../model/results.js';
import type { LoadedManifest } from '../../manifest/index.js';
import { parsePayload } from '../../payload/parse.js';
import { liveFingerprint } from '../../plan/fingerprint.js';
import { planSync } from '../../plan/plan.js';
import type { SavedPlan } from '../../plan/saved-plan.js';
import { verifyIntegrity } from '../../verify/integrity.js';
import type { VerifyOptions } from '../../verify/verify-stage.js';
import type { Session } from '../session.js';
import { keepDesired, keepPayload, keptPayload } from './host-keep.js';
import { gatherLive } from './live-host.js';
import { restoreStart, type Restore } from './restore.js';
import { runStep, stepCommand } from './run-step.js';
import { entryFor } from './target.js';

export interface SyncRequest {
  readonly loaded: LoadedManifest;
  /** Overrides the manifest's `unmanaged` key (--unmanaged). */
  readonly unmanaged?: UnmanagedPolicy;
  /** A plan saved by `xlp plan --out`, to carry out instead of planning now. */
  readonly saved?: SavedPlan;
  readonly verify: VerifyOptions;
}

export async function syncHost(session: Session, request: SyncRequest): Promise<SyncResult> {
  const { manifest } = request.loaded;
  return converge(session, {
    label: manifest.path,
    desiredFor: (xenBuildId) => entryFor(manifest, xenBuildId, session.backend.host),
    bytesOf: (p) => request.loaded.bytesOf(p),
    unmanaged: request.unmanaged ?? manifest.unmanaged,
    verify: request.verify,
    ...(request.saved === undefined ? {} : { saved: request.saved }),
    keep: true,
  });
}

/** Where a convergence takes its wishes and bytes from: a manifest (sync), or what a sync kept on the host (boot). */
export interface Convergence {
  /** What the result names as the source: the manifest's path, or the kept file boot read. */
  readonly label: string;
  /** The desired stack for the running hypervisor; throws when there is none. */
  readonly desiredFor: (xenBuildId: string) => DesiredHypervisor;
  /** The checked bytes of a wanted payload; undefined when there are none. */
  readonly bytesOf: (p: DesiredPresent) => Uint8Array | undefined;
  readonly unmanaged: UnmanagedPolicy;
  readonly verify: VerifyOptions;
  readonly saved?: SavedPlan;
  /** Keep the payloads and the desired stack on the host (sync); boot's come from there already. */
  readonly keep: boolean;
}

/** One session from the live state to the desired one: verify, keep, plan, run each step, undo on failure. */
export async function converge(session: Session, c: Convergence): Promise<SyncResult> {
  const { backend, records } = session.options;
  const start = await gatherLive(backend, records);
  const desired = c.desiredFor(start.xenBuildId);
  const present = desired.payloads.filter((p): p is DesiredPresent => p.state !== 'absent');
  const bytesOf = (p: DesiredPresent): Uint8Array => {
    const bytes = c.bytesOf(p);
    if (bytes === undefined) throw new Error(`no bytes were kept for ${p.name}`);
    return bytes;
  };
  await session.options.reporter.stage(`Verify ${present.length} payload file${present.length === 1 ? '' : 's'}`, async (report) => {
    for (const p of present) {
      const bytes = bytesOf(p);
      const checked = await verifyIntegrity(p.file, bytes, parsePayload(bytes), { ...c.verify, sha256: p.facts.sha256, ...(p.signature === undefined ? {} : { signature: p.signature }) });
      report.note(`${p.name}: ${checked.passed.join(', ') || 'sha256 as the manifest says'}${checked.signer === undefined ? '' : `, signed by ${checked.signer}`}`);
    }
  });
  const plan = planSync(desired, start, c.unmanaged);
  if (c.saved !== undefined) refuseStale(c.saved, plan, start);
  if (plan.blocked !== undefined) throw blocked(plan.blocked, backend.host);
  const base = { host: backend.host, manifest: c.label, xenBuildId: start.xenBuildId, differences: plan.differences, unmanaged: plan.unmanaged, dryRun: session.dryRun };
  if (session.dryRun) {
    const steps = plan.steps.map((s): SyncStepResult => ({ ...s, result: null, wouldRun: stepCommand(backend, s) }));
    return { ...base, result: plan.steps.length === 0 ? 'unchanged' : 'done', steps };
  }
  if (c.keep) {
    await session.options.reporter.stage(`Keep ${present.length} payload${present.length === 1 ? '' : 's'} on ${backend.host}`, async () => {
      for (const p of present) await keepPayload(backend, bytesOf(p));
    });
  }
  const steps: SyncStepResult[] = [];
  for (const [index, step] of plan.steps.entries()) {
    try {
      const result = await runStep(session, step, { desired, bytesOf: (name) => bytesOfName(present, name, bytesOf), verify: c.verify });
      steps.push({ ...step, result: result.result, wouldRun: null });
    } catch (error) {
      throw await stopped(session, { plan, index, done: plan.steps.slice(0, index), failure: asXlpError(error), start, desired, bytesOf });
    }
  }
  // Kept after every successful sync, changes or not: the manifest's probes or files may be new.
  if (c.keep) await keepDesired(backend, desired, c.label);
  return { ...base, result: steps.some((s) => s.result === 'done') ? 'done' : 'unchanged', steps };
}

function bytesOfName(present: readonly DesiredPresent[], name: string, bytesOf: (p: DesiredPresent) => Uint8Array): Uint8Array | undefined {
  const payload = present.find((p) => p.name === name);
  return payload === undefined ? undefined : bytesOf(payload);
}

/** A saved plan carries out only what it was made for: the host as it was then, and the steps the manifest asks for now. */
function refuseStale(saved: SavedPlan, plan: Plan, live: LiveHost): void {
  const why =
    saved.fingerprint !== liveFingerprint(live)
      ? 'the host has changed since the plan was made'
      : JSON.stringify(saved.plan.steps) !== JSON.stringify(plan.steps) || saved.plan.xenBuildId !== plan.xenBuildId
        ? 'the manifest now asks for other steps than the saved plan'
        : undefined;
  if (why === undefined) return;
  throw new XlpError('plan-stale', ExitCode.PLAN_STALE, `the saved plan no longer applies: ${why}; nothing was changed`, { hint: 'make a new plan (xlp plan --out), review it, and sync with it' });
}

const blocked = (why: string, host: string): XlpError =>
  new XlpError('sync-blocked', ExitCode.WRONG_STATE, `cannot sync ${host}: ${why}; nothing was changed`, { hint: "run 'xlp plan' to see the differences" });

interface Failure {
  readonly plan: Plan;
  readonly index: number;
  readonly done: Plan['steps'];
  readonly failure: XlpError;
  readonly start: LiveHost;
  readonly desired: DesiredHypervisor;
  readonly bytesOf: (p: DesiredPresent) => Uint8Array;
}

/** The failure of step `index`, after undoing the steps before it (or, for a stop request, not). */
async function stopped(session: Session, f: Failure): Promise<XlpError> {
  const at = `step ${f.index + 1} of ${f.plan.steps.length} (${f.plan.steps[f.index]?.action} ${f.plan.steps[f.index]?.name})`;
  if (f.failure.exitCode === ExitCode.INTERRUPTED) {
    return new XlpError(f.failure.code, f.failure.exitCode, `sync stopped at ${at}: ${f.failure.message}; the steps done stay done: run the sync again to finish`, { hint: f.failure.hint ?? "run 'xlp check' to see what is left" });
  }
  const restore = await restoreStart(session, f.done, {
    start: f.start,
    bytesWithSha256: async (sha256) => {
      const fromManifest = f.desired.payloads.find((p): p is DesiredPresent => p.state !== 'absent' && p.facts.sha256 === sha256);
      return fromManifest === undefined ? keptPayload(session.backend, sha256).catch(() => undefined) : f.bytesOf(fromManifest);
    },
  });
  const left = await describeHost(session);
  return new XlpError(restore.complete ? f.failure.code : 'rollback-failed', restore.complete ? f.failure.exitCode : ExitCode.ROLLBACK_FAILED, `sync failed at ${at}: ${f.failure.message}; ${restored(restore)}; the host now has: ${left}`, {
    hint: restore.complete ? (f.failure.hint ?? "fix the cause, then run 'xlp sync' again") : "run 'xlp check' and put the host right (the journal records every step)",
    ...(f.failure.errno === undefined ? {} : { errno: f.failure.errno }),
    ...(f.failure.detail === undefined ? {} : { detail: f.failure.detail }),
  });
}

function restored(restore: Restore): string {
  if (restore.steps.length === 0) return 'nothing had been changed';
  const undone = `undone: ${restore.steps.join(', ')}`;
  return restore.complete ? `${undone}, the host is back as it started` : `${undone}, but the restore stopped (${restore.stopped ?? 'unknown'})`;
}

async function describeHost(session: Session): Promise<string> {
  const listed = await session.backend.list().catch(() => undefined);
  if (listed === undefined) return 'unknown (the host could not be listed)';
  return listed.map((p) => `${p.name} ${p.state}`).join(', ') || 'no payload';
}

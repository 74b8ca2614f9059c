/**
 * `xlp boot`: on the host it runs on, re-applies what the last successful sync left there for the
 * running hypervisor build (src/ops/desired/host-keep.ts), from the host's own store, in stack
 * order, in one session with a sync's journal and rollback (src/ops/desired/sync.ts converge). Each
 * kept payload's bytes are checked against their sha256 again; the first that no longer matches, or
 * that the crash-loop guard holds back, is not applied, nor is anything above it: the stack below
 * is. What boot decided is journaled once (a `boot` record), whatever it was.
 */
import { ExitCode, XlpError, asXlpError } from '../../errors.js';
import type { BootEvent } from '../../audit/types.js';
import type { DesiredHypervisor, DesiredPresent } from '../../model/desired.js';
import type { BootResult, HeldBack } from '../../model/results.js';
import { parsePayload } from '../../payload/parse.js';
import type { Session } from '../session.js';
import { keptDesired, keptPayload, type KeptDesired } from '../desired/host-keep.js';
import { converge } from '../desired/sync.js';
import type { BootFacts } from './facts.js';
import { judgeAtBoot, readGuard, writeGuard } from './guard.js';

export interface BootRequest {
  readonly facts: BootFacts;
  /** The crash-loop guard's window (seconds). */
  readonly guardWindowSeconds: number;
  readonly now?: () => Date;
}

/** The kept stack for the running build, cut below the first payload that must not be applied. */
interface Wanted {
  readonly desired: DesiredHypervisor;
  readonly bytes: ReadonlyMap<string, Uint8Array>;
  readonly heldBack: readonly HeldBack[];
}

export async function bootHost(session: Session, request: BootRequest): Promise<BootResult> {
  const { backend } = session;
  const now = request.now ?? (() => new Date());
  const xenBuildId = await backend.hypervisorBuildId();
  const kept = await keptDesired(backend, xenBuildId);
  const base = { host: backend.host, xenBuildId };
  if (kept === undefined) {
    return { ...base, outcome: 'nothing-kept', reason: `the host booted a new hypervisor: no sync left anything on ${backend.host} for build-id ${xenBuildId || '(none)'}`, kept: [], reapplied: [], heldBack: [], steps: [] };
  }
  const tripped = await judgeGuard(session, request, now());
  const wanted = await wantedStack(session, kept, tripped);
  const names = kept.payloads.map((p) => p.name);
  const sync = await converge(session, {
    label: `${backend.host}: desired/${xenBuildId}.json (synced ${kept.syncedAt} from ${kept.manifest})`,
    desiredFor: () => wanted.desired,
    bytesOf: (p) => wanted.bytes.get(p.name),
    // Boot adds what was kept and removes nothing: whatever else is loaded was loaded since this boot began.
    unmanaged: 'keep',
    // The bytes are pinned by the sha256 the sync kept after verifying them (and their signature, when its policy asked).
    verify: {},
    keep: false,
  });
  const reapplied = wanted.desired.payloads.map((p) => p.name);
  const held = wanted.heldBack.length > 0;
  const reason = held
    ? `re-applied ${reapplied.length} of ${names.length} kept payload${names.length === 1 ? '' : 's'}; held back: ${wanted.heldBack.map((h) => `${h.name} (${h.reason})`).join('; ')}`
    : `re-applied the ${names.length} kept payload${names.length === 1 ? '' : 's'} in stack order${sync.result === 'unchanged' ? ' (all were already in place)' : ''}`;
  return { ...base, outcome: held ? 'held-back' : 'reapplied', reason, kept: names, reapplied, heldBack: wanted.heldBack, steps: sync.steps };
}

/** Judges the guard against this boot (when the boot time is known) and keeps the verdict; returns the payloads it holds back. */
async function judgeGuard(session: Session, request: BootRequest, now: Date): Promise<ReadonlySet<string>> {
  const { backend } = session;
  const record = await readGuard(backend, (message) => session.options.reporter.notice(message));
  if (request.facts.bootedAt === undefined) {
    session.options.reporter.notice('the boot time (/proc/stat btime) could not be read: the crash-loop guard judges no apply this time');
    return new Set(record.tripped?.payloads ?? []);
  }
  const judged = judgeAtBoot(record, request.facts.bootedAt, request.guardWindowSeconds, now);
  if (JSON.stringify(judged) !== JSON.stringify(record)) await writeGuard(backend, judged);
  return new Set(judged.tripped?.payloads ?? []);
}

/** The kept payloads in order, up to the first held back (by the guard, or bytes that changed); the bytes of those kept. */
async function wantedStack(session: Session, kept: KeptDesired, tripped: ReadonlySet<string>): Promise<Wanted> {
  const payloads: DesiredPresent[] = [];
  const bytes = new Map<string, Uint8Array>();
  const heldBack: HeldBack[] = [];
  for (const entry of kept.payloads) {
    if (heldBack.length > 0) {
      heldBack.push({ name: entry.name, reason: `above ${heldBack[0]?.name}, which is held back` });
      continue;
    }
    if (tripped.has(entry.name)) {
      heldBack.push({ name: entry.name, reason: "the crash-loop guard holds it back: the host went down soon after it was applied ('xlp status' says when; 'xlp boot clear' lets the next boot apply it)" });
      continue;
    }
    let stored: Uint8Array | undefined;
    try {
      stored = await keptPayload(session.backend, entry.sha256);
    } catch (error) {
      heldBack.push({ name: entry.name, reason: `refused: ${asXlpError(error).message}` });
      continue;
    }
    if (stored === undefined) {
      heldBack.push({ name: entry.name, reason: `refused: its bytes (sha256 ${entry.sha256}) are no longer in the host's store` });
      continue;
    }
    const info = parsePayload(stored);
    bytes.set(entry.name, stored);
    payloads.push({
      name: entry.name,
      state: entry.state,
      file: `${entry.name}.livepatch`,
      facts: {
        sha256: info.sha256,
        ...(info.buildId === undefined ? {} : { buildId: info.buildId }),
        ...(info.depends === undefined ? {} : { depends: info.depends }),
        ...(info.xenDepends === undefined ? {} : { xenDepends: info.xenDepends }),
        reappliable: info.writableSections.length === 0,
      },
      probes: entry.probes,
      position: { file: `desired/${kept.xenBuildId}.json`, line: 1, column: 1 },
    });
  }
  return { desired: { buildId: kept.xenBuildId, payloads, position: { file: `desired/${kept.xenBuildId}.json`, line: 1, column: 1 } }, bytes, heldBack };
}

/** The exit a boot result stands for: held back is 18 (the stack below was applied). */
export function bootFailure(result: BootResult): XlpError | undefined {
  if (result.outcome !== 'held-back') return undefined;
  return new XlpError('boot-held-back', ExitCode.BOOT_HELD_BACK, `boot on ${result.host}: ${result.reason}`, {
    hint: result.heldBack.some((h) => h.reason.startsWith('refused'))
      ? 'the host\'s copy was altered or removed: run xlp sync from the manifest to keep it again'
      : "look at why the host went down ('xlp status'), then 'xlp boot clear' and 'xlp boot' (or reboot)",
  });
}

/** The journal's record of a boot run. */
export const bootEvent = (argv: readonly string[], r: Pick<BootResult, 'host' | 'xenBuildId' | 'outcome' | 'reason'> & Partial<BootResult>, error?: XlpError): BootEvent => ({
  host: r.host,
  argv,
  xenBuildId: r.xenBuildId,
  outcome: r.outcome,
  reason: r.reason,
  ...(r.kept === undefined || r.kept.length === 0 ? {} : { kept: r.kept }),
  ...(r.reapplied === undefined || r.kept === undefined || r.kept.length === 0 ? {} : { reapplied: r.reapplied }),
  ...(r.heldBack === undefined || r.heldBack.length === 0 ? {} : { heldBack: r.heldBack }),
  ...(error === undefined ? {} : { error: { code: error.code, message: error.message, exitCode: error.exitCode, ...(error.errno === undefined ? {} : { errno: error.errno }) } }),
});

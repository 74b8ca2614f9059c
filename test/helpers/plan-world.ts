/**
 * A simulated host for the planner's tests: the simulated hypervisor's state, driven only through
 * its pure hypercall functions (src/host/sim/hypervisor.ts, with its own ELF loader), plus a model
 * of xlp's record of that host (which names xlp uploaded, with the facts of their files). The
 * LiveHost a plan starts from is derived from both, as the sync command gathers it; whether a step
 * is accepted is decided by the simulator alone, never by xlp's own checks.
 */
import { readFile } from 'node:fs/promises';
import { completeDueWork, hvAction, hvUpload, type HvContext } from '../../src/host/sim/hypervisor.js';
import { loadPayload, type LoadOutcome } from '../../src/host/sim/elf/load-payload.js';
import { APPLIED, freshState, type SimState } from '../../src/host/sim/state.js';
import { parseXenVersion } from '../../src/host/sim/xen-version.js';
import type { LiveHost, PayloadFacts, PlanAction } from '../../src/model/desired.js';
import { factsOf } from '../../src/manifest/load.js';
import { parsePayload } from '../../src/payload/parse.js';
import { TEST_XEN_BUILD_ID, buildPayload, type PayloadOptions } from './payloads.js';

export { TEST_XEN_BUILD_ID };

/** A payload file: its path, bytes, and the facts xlp reads from it (as the manifest loader and xlp's record do). */
export interface PayloadFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly facts: PayloadFacts;
}

export async function payloadFile(options: PayloadOptions): Promise<PayloadFile> {
  const path = await buildPayload(options);
  const bytes = new Uint8Array(await readFile(path));
  const facts = factsOf(parsePayload(bytes));
  return { path, bytes, facts };
}

export interface World {
  readonly sim: SimState;
  /** xlp's record: the facts of the file xlp uploaded under each name it can vouch for. */
  readonly record: Map<string, PayloadFacts>;
}

export const emptyWorld = (): World => ({ sim: freshState({ buildId: TEST_XEN_BUILD_ID, xenVersion: '4.17.7' }), record: new Map() });

/**
 * A copy deep enough for the hypercall functions, which replace or push onto the state's arrays and
 * set a payload's state, rc and reverted flag, but never change a payload's other arrays after
 * upload. (structuredClone would do, at ten times the cost over the state space.)
 */
export const copyWorld = (w: World): World => ({
  sim: { ...w.sim, payloads: w.sim.payloads.map((p) => ({ ...p })), applied: [...w.sim.applied], faults: [...w.sim.faults], console: [] },
  record: new Map(w.record),
});

/**
 * The simulator's own loader, remembered per file: it is deterministic in the bytes except for
 * "is this build-id loaded already?", which is asked again on every use (a yes runs the loader
 * afresh, for its own refusal). Loading the same few files thousands of times would dominate.
 */
const remembered = new WeakMap<Uint8Array, { outcome: LoadOutcome; buildId: string | undefined }>();
const load: HvContext['load'] = (name, bytes, version, host) => {
  const hit = remembered.get(bytes);
  if (hit !== undefined && !(hit.buildId !== undefined && host.hasBuildId(hit.buildId))) return hit.outcome;
  let asked: string | undefined;
  const outcome = loadPayload(name, bytes, version, { ...host, hasBuildId: (id) => ((asked = id), host.hasBuildId(id)) });
  if ('payload' in outcome) remembered.set(bytes, { outcome, buildId: asked });
  return outcome;
};

/** The simulated clock stands still: a scheduled action completes at the next look, as its rendezvous would. */
const ctx: HvContext = { now: 0, version: parseXenVersion('4.17.7'), load };

/** Who performs an operation: xlp (it records what it uploads, and applies only bytes it can vouch for) or the raw tool. */
export type Actor = 'xlp' | 'raw';

/**
 * One operation on the world, as the simulated Xen performs it, to its end. Returns why it failed
 * (the errno, or the payload's rc after the action ran), or undefined when Xen did it.
 */
export function perform(w: World, action: PlanAction, name: string, actor: Actor, file?: PayloadFile): string | undefined {
  const why = hypercall(w, action, name, actor, file);
  w.sim.console = []; // nothing here reads it, and copying it would slow every test down
  return why;
}

function hypercall(w: World, action: PlanAction, name: string, actor: Actor, file?: PayloadFile): string | undefined {
  const fail = (why: string): string => `${action} ${name}: ${why}`;
  if (action === 'upload') {
    if (file === undefined) return fail('no file to upload');
    const errno = hvUpload(w.sim, ctx, name, file.bytes);
    if (errno !== 0) return fail(`errno ${errno}`);
    if (actor === 'xlp') w.record.set(name, file.facts);
    return undefined;
  }
  if (action === 'apply' && actor === 'xlp' && !w.record.has(name)) return fail('xlp applied bytes it cannot vouch for');
  const errno = hvAction(w.sim, ctx, name, action);
  if (errno !== 0) return fail(`errno ${errno}`);
  completeDueWork(w.sim, ctx.now);
  if (action === 'unload') {
    w.record.delete(name);
    return undefined;
  }
  const payload = w.sim.payloads.find((p) => p.name === name);
  if (payload?.rc !== 0) return fail(`rc ${payload?.rc} after the action`);
  return (payload.state === APPLIED) === (action === 'apply') ? undefined : fail('the state did not change');
}

/** The LiveHost the sync command would gather: the hypervisor's list, with what xlp's record adds. */
export function liveOf(w: World): LiveHost {
  return {
    xenBuildId: w.sim.xenBuildId,
    payloads: w.sim.payloads.map((p) => {
      const vouched = w.record.get(p.name);
      return {
        name: p.name,
        state: p.state === APPLIED ? 'APPLIED' : 'CHECKED',
        rc: p.rc === 0 ? 0 : -p.rc,
        // xlp knows whether it reverted a payload it uploaded; of one uploaded by hand it knows nothing.
        ...(vouched === undefined ? {} : { vouched, reverted: p.reverted }),
      };
    }),
    // xlp's record of the applied order: what it can vouch for, in the order it applied it.
    stack: w.sim.applied.filter((name) => w.record.has(name)),
  };
}

/** Short stand-ins for the few sha256s of a test file, so that keys stay short. */
const shaLabels = new Map<string, number>();
const label = (sha: string | undefined): number | string => {
  if (sha === undefined) return '-';
  if (!shaLabels.has(sha)) shaLabels.set(sha, shaLabels.size);
  return shaLabels.get(sha) as number;
};

/** A key for the world as the planner sees it, whatever the upload order. */
export function worldKey(w: World): string {
  const payloads = w.sim.payloads
    .map((p) => `${p.name} ${p.state} ${label(p.sha256)} ${p.reverted} ${label(w.record.get(p.name)?.sha256)}`)
    .sort();
  return `${payloads.join(';')}|${w.sim.applied.join(',')}`;
}

/**
 * `sync` itself over the enumerated state space, in-process, against the simulated hypervisor (its
 * fakes of xen-livepatch and xl over a real state file) through xlp's real backend, session and
 * record: every start with payloads A, B (writable .data: not reappliable once reverted) and C (on
 * B), each absent, uploaded or applied, in every stack order Xen allows, uploaded by xlp or by hand,
 * reverted-with-data included, each synced towards one of the manifests of those three payloads,
 * under one of the two policies, turn by turn. For each: check sees a drift exactly when the host is
 * not what the manifest asks; the sync runs exactly the steps plan showed (one journaled change
 * each); the host then is what the manifest asks; check finds nothing; a second sync changes
 * nothing. A blocked plan is refused and changes nothing.
 *
 * "What the manifest asks" is test/helpers/plan-space.ts's reached(), written from the manifest's
 * meaning; the start states come from the simulator's own hypercalls (test/helpers/plan-world.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asXlpError, ExitCode } from '../../src/errors.js';
import { peekState, replaceState } from '../../src/host/sim/state-store.js';
import { createSimRunner } from '../../src/host/sim/sim-runner.js';
import { createXenLivepatchBackend } from '../../src/host/xen-livepatch/backend.js';
import type { DesiredHypervisor, DesiredPresent, Manifest, PayloadFacts, UnmanagedPolicy } from '../../src/model/desired.js';
import { silentReporter } from '../../src/model/reporter.js';
import { standing } from '../../src/ops/desired/check.js';
import { syncHost } from '../../src/ops/desired/sync.js';
import { Session } from '../../src/ops/session.js';
import { manualStopRequests } from '../../src/ops/stop-requests.js';
import type { HostRecord, PayloadRecord } from '../../src/verify/store.js';
import { memoryRecords } from '../helpers/memory-records.js';
import { memoryJournal } from '../helpers/ops-harness.js';
import { MANIFESTS, buildCast, fileAt, manifest, reached, startWorlds, type Cast } from '../helpers/plan-space.js';
import { TEST_XEN_BUILD_ID, type PayloadFile, type World } from '../helpers/plan-world.js';

/** The manifests of A, B and C only (X and the other builds are the planner test's). */
const THREE = ['all applied', 'top absent', 'only the bottom uploaded', 'all absent', 'middle uploaded', 'top uploaded'] as const;

let cast: Cast;
let fileOf: (path: string) => PayloadFile;
let starts: World[];
let dir: string;

beforeAll(async () => {
  cast = await buildCast();
  fileOf = fileAt(cast);
  const named = new Set([cast.a, cast.b, cast.c].map((f) => f.facts.sha256));
  // Every start of the planner's space whose payloads are A, B and C as built (no B2, no X).
  starts = startWorlds(cast).filter((w) => w.sim.payloads.every((p) => named.has(p.sha256)));
  dir = await mkdtemp(join(tmpdir(), 'xlp-sync-space-'));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** xlp's record of the world, as the store keeps it: what xlp uploaded, its reverted flag and the applied order. */
function recordOf(w: World, host: string): HostRecord {
  const payloads: Record<string, PayloadRecord> = {};
  for (const [name, facts] of w.record) {
    const reverted = w.sim.payloads.find((p) => p.name === name)?.reverted === true;
    payloads[name] = { ...factsRecord(facts), reverted };
  }
  return { version: 1, host, xenBuildId: TEST_XEN_BUILD_ID, payloads, applied: w.sim.applied.filter((name) => w.record.has(name)) };
}

const factsRecord = (facts: PayloadFacts): PayloadRecord => ({
  sha256: facts.sha256,
  size: 0,
  hooks: [],
  uploadedAt: '2026-12-01T00:00:00.000Z',
  reappliable: facts.reappliable,
  ...(facts.buildId === undefined ? {} : { buildId: facts.buildId }),
  ...(facts.depends === undefined ? {} : { depends: facts.depends }),
  ...(facts.xenDepends === undefined ? {} : { xenDepends: facts.xenDepends }),
});

/** A private simulated host in the world's state, with xlp's record of it. */
async function hostIn(w: World, index: number) {
  const root = join(dir, String(index));
  const statePath = join(root, 'state.json');
  await replaceState(statePath, { ...w.sim, console: [] });
  const backend = createXenLivepatchBackend(createSimRunner(statePath, join(root, 'run'), root, {}), { xenLivepatch: 'xen-livepatch', xl: 'xl' });
  const records = memoryRecords(backend.host, recordOf(w, backend.host));
  const journal = memoryJournal();
  const open = (): Promise<Session> => Session.open({ backend, journal, records, reporter: silentReporter(() => {}), stops: manualStopRequests(), timeoutMs: 5000, argv: ['sync'] });
  /** The world as the simulator and the record now have it. */
  const now = async (): Promise<World> => {
    const sim = await peekState(statePath);
    if (sim === undefined) throw new Error('the simulated host lost its state');
    const record = records.current();
    return { sim, record: new Map(Object.entries(record.payloads).map(([name, r]) => [name, { sha256: r.sha256, reappliable: r.reappliable !== false }])) };
  };
  return { backend, records, journal, open, now };
}

const loadedOf = (m: DesiredHypervisor, unmanaged: UnmanagedPolicy) => {
  const manifestOf: Manifest = { version: 1, path: '/srv/xlp/site.yaml', unmanaged, hypervisors: [m] };
  return { manifest: manifestOf, bytesOf: (p: DesiredPresent) => fileOf(p.file).bytes };
};

async function syncOnce(session: Session, loaded: ReturnType<typeof loadedOf>) {
  try {
    return await syncHost(session, { loaded, verify: {} });
  } finally {
    await session.close();
  }
}

/** What went wrong for one start, manifest and policy, or undefined. */
async function judge(start: World, index: number, name: (typeof THREE)[number], policy: UnmanagedPolicy): Promise<string | undefined> {
  const m = manifest(MANIFESTS[name]!(cast));
  const host = await hostIn(start, index);
  const loaded = loadedOf(m, policy);
  const before = await standing(host.backend, host.records, loaded.manifest);
  const wasReached = reached(start, m, policy);
  if ((before.plan.differences.length === 0) !== wasReached) return `check said ${before.plan.differences.length} differences, but the host ${wasReached ? 'is' : 'is not'} what the manifest asks`;
  const planned = before.plan.steps.map((s) => `${s.action} ${s.name}`);
  if (before.plan.blocked !== undefined) {
    const refusal = await syncOnce(await host.open(), loaded).then(
      () => undefined,
      (error: unknown) => asXlpError(error),
    );
    if (refusal?.code !== 'sync-blocked' || refusal.exitCode !== ExitCode.WRONG_STATE) return `a blocked plan was not refused as sync-blocked: ${refusal?.code ?? 'it ran'}`;
    if (host.journal.records.length !== 0) return 'a blocked sync journaled something';
    return JSON.stringify((await host.now()).sim.payloads) === JSON.stringify(start.sim.payloads) ? undefined : 'a blocked sync changed the host';
  }
  const first = await syncOnce(await host.open(), loaded);
  const ran = first.steps.map((s) => `${s.action} ${s.name}`);
  if (ran.join() !== planned.join()) return `sync ran [${ran.join(', ')}], plan showed [${planned.join(', ')}]`;
  const journaled = host.journal.records.flatMap((r) => (r.type === 'intent' ? [`${r.intent.operation} ${r.intent.name}`] : []));
  if (journaled.join() !== planned.join()) return `journaled [${journaled.join(', ')}], plan showed [${planned.join(', ')}]`;
  if (host.journal.records.some((r) => r.type === 'outcome' && r.outcome.result !== 'done')) return 'a step did not end done';
  if (first.result !== (planned.length === 0 ? 'unchanged' : 'done')) return `sync said ${first.result} after ${planned.length} steps`;
  if (!reached(await host.now(), m, policy)) return `after [${ran.join(', ')}] the host is not what the manifest asks`;
  const after = await standing(host.backend, host.records, loaded.manifest);
  if (after.plan.differences.length !== 0) return `check still finds ${after.plan.differences.map((d) => `${d.name} ${d.kind}`).join(', ')}`;
  const second = await syncOnce(await host.open(), loaded);
  if (second.result !== 'unchanged' || second.steps.length !== 0) return `a second sync ran [${second.steps.map((s) => `${s.action} ${s.name}`).join(', ')}]`;
  return undefined;
}

describe('sync over the enumerated state space', () => {
  it('covers every kind of start the issue names', () => {
    const kinds = new Set(starts.flatMap((w) => w.sim.payloads.map((p) => `${p.state === 2 ? 'applied' : p.reverted ? 'reverted' : 'uploaded'} ${w.record.has(p.name) ? 'xlp' : 'raw'}`)));
    expect([...kinds].sort()).toEqual(['applied raw', 'applied xlp', 'reverted raw', 'reverted xlp', 'uploaded raw', 'uploaded xlp']);
    // Two payloads applied in either order (A then B, and B's dependant C on it, are what Xen allows).
    expect(starts.some((w) => w.sim.applied.join() === 'A,B,C')).toBe(true);
    expect(starts.length).toBeGreaterThan(40);
  });

  it('reaches the manifest in exactly the planned steps, and a second sync changes nothing', async () => {
    const failures: string[] = [];
    let cases = 0;
    const met = new Set<string>();
    for (const [index, start] of starts.entries()) {
      // Each start against one manifest and policy, turn by turn, so that every pair meets about
      // fifteen starts of every kind (the planner's own test takes every start to every manifest).
      const name = THREE[index % THREE.length]!;
      const policy: UnmanagedPolicy = index % (2 * THREE.length) < THREE.length ? 'remove' : 'keep';
      met.add(`${name} ${policy}`);
      const why = await judge(start, cases++, name, policy);
      if (why !== undefined) failures.push(`${describeWorld(start)} → ${name} (${policy}): ${why}`);
    }
    expect(failures).toEqual([]);
    expect(cases).toBe(starts.length);
    expect(met.size).toBe(THREE.length * 2);
  }, 600_000);
});

const describeWorld = (w: World): string =>
  `[${w.sim.payloads.map((p) => `${p.name}:${p.state === 2 ? 'applied' : 'checked'}${p.reverted ? '(reverted)' : ''}${w.record.has(p.name) ? '' : ' by hand'}`).join(' ')}] stack ${w.sim.applied.join(',') || '-'}`;

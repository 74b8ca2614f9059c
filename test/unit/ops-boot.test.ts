/**
 * Boot in-process: the library functions (bootHost, the guard, the kill switch, the boot facts) on
 * the simulated hypervisor behind the real xen-livepatch backend (its fakes run in this process),
 * with an in-memory journal and record and a clock the test sets. A reboot is a fresh simulated
 * state with the same build-id; the kept directory (the host's /var/lib/xlp) stays.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/host/backend.js';
import { initSimState } from '../../src/host/sim/admin.js';
import { createSimRunner } from '../../src/host/sim/sim-runner.js';
import { createXenLivepatchBackend } from '../../src/host/xen-livepatch/backend.js';
import { loadManifest } from '../../src/manifest/index.js';
import { bootHost } from '../../src/ops/boot/boot.js';
import { readBootFacts, simulatedBoot } from '../../src/ops/boot/facts.js';
import { applyGuard, clearedGuard, EMPTY_GUARD, judgeAtBoot, readGuard, writeGuard, type GuardRecord } from '../../src/ops/boot/guard.js';
import { cmdlineDisables, killSwitch } from '../../src/ops/boot/kill-switch.js';
import { syncHost } from '../../src/ops/desired/sync.js';
import { changePayload } from '../../src/ops/operations.js';
import { Session } from '../../src/ops/session.js';
import { manualStopRequests } from '../../src/ops/stop-requests.js';
import { memoryJournal, recordingReporter, type MemoryJournal } from '../helpers/ops-harness.js';
import { memoryRecords } from '../helpers/memory-records.js';
import { TEST_XEN_BUILD_ID, buildPayload } from '../helpers/payloads.js';
import { buildIdOf } from '../helpers/sim-host.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
let files: { one: string; two: string };

beforeAll(async () => {
  const one = await buildPayload({ id: 'inone', returns: '-inone' });
  files = { one, two: await buildPayload({ id: 'intwo', returns: '-intwo', depends: await buildIdOf(one) }) };
});

/** One simulated host: its state (lost at each reboot), its kept directory and xlp's record (both kept). */
interface World {
  readonly dir: string;
  readonly kept: string;
  readonly backend: Backend;
  readonly journal: MemoryJournal;
  /** The clock the guard arms with. */
  now: Date;
  session<T>(body: (session: Session) => Promise<T>, options?: { dryRun?: boolean }): Promise<T>;
  reboot(buildId?: string): Promise<void>;
  listed(): Promise<string[]>;
  manifest(): Promise<string>;
}

let world: World;

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'xlp-ops-boot-'));
  const statePath = join(dir, 'sim', 'state.json');
  const kept = join(dir, 'kept');
  await initSimState(statePath, { buildId: TEST_XEN_BUILD_ID, xenVersion: '4.17.7' });
  const backend = createXenLivepatchBackend(createSimRunner(statePath, join(dir, 'run'), kept, {}), { xenLivepatch: 'xen-livepatch', xl: 'xl' });
  const records = memoryRecords(backend.host);
  const journal = memoryJournal();
  const w: World = {
    dir,
    kept,
    backend,
    journal,
    now: at(0),
    async session(body, options = {}) {
      const session = await Session.open({ backend, journal, records, reporter: recordingReporter(), stops: manualStopRequests(), timeoutMs: 5000, argv: ['boot'], guard: applyGuard(backend, () => w.now), ...options });
      try {
        return await body(session);
      } finally {
        await session.close();
      }
    },
    reboot: async (buildId = TEST_XEN_BUILD_ID) => void (await initSimState(statePath, { buildId, xenVersion: '4.17.7' })),
    listed: async () => (await backend.list()).map((p) => `${p.name} ${p.state}`),
    async manifest() {
      const entries = await Promise.all(
        (['one', 'two'] as const).map(async (key, i) => `      - name: xsa-${i + 1}\n        file: ${files[key]}\n        sha256: ${createHash('sha256').update(await readFile(files[key])).digest('hex')}\n        state: applied`),
      );
      const path = join(dir, 'site.yaml');
      await writeFile(path, `version: 1\nhypervisors:\n  - build-id: ${TEST_XEN_BUILD_ID}\n    payloads:\n${entries.join('\n')}\n`);
      return path;
    },
  };
  world = w;
});

afterEach(() => rm(world.dir, { recursive: true, force: true }));

/** Syncs the two-payload manifest at `world.now`, then reboots the host. */
async function syncThenReboot(): Promise<void> {
  const loaded = await loadManifest(await world.manifest());
  await world.session((session) => syncHost(session, { loaded, verify: {} }));
  expect(await world.listed()).toEqual(['xsa-1 APPLIED', 'xsa-2 APPLIED']);
  await world.reboot();
  expect(await world.listed()).toEqual([]);
  world.journal.records.length = 0;
}

const boot = (bootedAt: Date | undefined, window = 600) => world.session((session) => bootHost(session, { facts: { cmdline: '', ...(bootedAt === undefined ? {} : { bootedAt }) }, guardWindowSeconds: window, now: () => world.now }));
const journaled = (): string[] => world.journal.records.flatMap((r) => (r.type === 'intent' ? [`${r.intent.operation} ${r.intent.name}`] : []));

describe('bootHost', () => {
  it('re-applies the kept stack in order, one journaled change each, from the kept bytes alone', async () => {
    await syncThenReboot();
    // The manifest's files are gone: boot needs only what the host kept.
    await rm(join(world.dir, 'site.yaml'));
    world.now = at(2000);
    const result = await boot(at(1800));
    expect(result).toMatchObject({ outcome: 'reapplied', xenBuildId: TEST_XEN_BUILD_ID, kept: ['xsa-1', 'xsa-2'], reapplied: ['xsa-1', 'xsa-2'], heldBack: [] });
    expect(journaled()).toEqual(['upload xsa-1', 'apply xsa-1', 'upload xsa-2', 'apply xsa-2']);
    expect(await world.listed()).toEqual(['xsa-1 APPLIED', 'xsa-2 APPLIED']);
    // The sync's applies were judged (the boot came long after them) and dropped; boot's own are armed.
    expect((await readGuard(world.backend)).applies).toEqual([
      { name: 'xsa-1', at: at(2000).toISOString() },
      { name: 'xsa-2', at: at(2000).toISOString() },
    ]);
  });

  it('does nothing for a build-id nothing was kept for: the host booted a new hypervisor', async () => {
    await syncThenReboot();
    await world.reboot('cd'.repeat(20));
    const result = await boot(at(1800));
    expect(result).toMatchObject({ outcome: 'nothing-kept', kept: [], steps: [] });
    expect(result.reason).toContain(`the host booted a new hypervisor: no sync left anything on ${world.backend.host} for build-id ${'cd'.repeat(20)}`);
    expect(world.journal.records).toEqual([]);
  });

  it('holds back what the guard tripped on, and what is above it, until the guard is cleared', async () => {
    await syncThenReboot();
    world.now = at(40);
    const held = await boot(at(30));
    expect(held.outcome).toBe('held-back');
    expect(held.heldBack.map((h) => h.name)).toEqual(['xsa-1', 'xsa-2']);
    expect(held.heldBack[1]?.reason).toBe('above xsa-1, which is held back');
    expect(journaled()).toEqual([]);
    const tripped = await readGuard(world.backend);
    expect(tripped.tripped).toMatchObject({ payloads: ['xsa-1', 'xsa-2'], bootedAt: at(30).toISOString() });
    expect(tripped.tripped?.reason).toContain('the host went down within 600 s of applying xsa-1, xsa-2 (it booted again 30 s after the last apply');
    // A later boot, long after: still held back.
    await world.reboot();
    expect((await boot(at(5000))).outcome).toBe('held-back');

    await writeGuard(world.backend, clearedGuard(await readGuard(world.backend), at(6000)));
    expect(await boot(at(5000))).toMatchObject({ outcome: 'reapplied', reapplied: ['xsa-1', 'xsa-2'] });
  });

  it('refuses a payload whose kept bytes changed and applies the stack below it', async () => {
    await syncThenReboot();
    const sha = createHash('sha256').update(await readFile(files.two)).digest('hex');
    const bytes = await readFile(join(world.kept, 'payloads', sha));
    bytes[300] = (bytes[300] ?? 0) ^ 1;
    await writeFile(join(world.kept, 'payloads', sha), bytes, { mode: 0o600 });
    const result = await boot(at(1800));
    expect(result).toMatchObject({ outcome: 'held-back', reapplied: ['xsa-1'] });
    expect(result.heldBack).toEqual([{ name: 'xsa-2', reason: expect.stringMatching(new RegExp(`^refused: the payload kept on .* as ${sha} has changed: its sha256 is now [0-9a-f]{64}$`)) }]);
    expect(await world.listed()).toEqual(['xsa-1 APPLIED']);
  });

  it('judges no apply when the boot time is unknown, but keeps holding back what is tripped', async () => {
    await syncThenReboot();
    expect((await boot(undefined)).outcome).toBe('reapplied');
    await writeGuard(world.backend, { ...EMPTY_GUARD, tripped: { at: at(1).toISOString(), bootedAt: at(1).toISOString(), payloads: ['xsa-2'], reason: 'test' } });
    await world.reboot();
    expect(await boot(undefined)).toMatchObject({ outcome: 'held-back', reapplied: ['xsa-1'] });
  });
});

describe('the crash-loop guard', () => {
  const record = (...applies: Array<[string, number]>): GuardRecord => ({ ...EMPTY_GUARD, applies: applies.map(([name, s]) => ({ name, at: at(s).toISOString() })) });

  it('trips on applies the boot came within the window of, drops the others it judged, keeps those after the boot', () => {
    const judged = judgeAtBoot(record(['old', 0], ['recent', 500], ['later', 700]), at(650), 600, at(660));
    expect(judged.tripped?.payloads).toEqual(['recent']);
    expect(judged.applies.map((a) => a.name)).toEqual(['later']);
    // Exactly the window after: settled, not tripped.
    expect(judgeAtBoot(record(['x', 0]), at(600), 600, at(601)).tripped).toBeNull();
    // A window of 0 never trips.
    expect(judgeAtBoot(record(['x', 0]), at(1), 0, at(2)).tripped).toBeNull();
  });

  it('adds to a trip, never replaces it', () => {
    const first = judgeAtBoot(record(['a', 0]), at(10), 600, at(11));
    const second = judgeAtBoot({ ...first, applies: [{ name: 'b', at: at(20).toISOString() }] }, at(30), 600, at(31));
    expect(second.tripped?.payloads).toEqual(['a', 'b']);
    expect(second.tripped?.reason).toMatch(/applying a .*; then .*applying b/);
  });

  it('is armed by an apply before it starts, not by a rehearsal nor by an apply of an applied payload', async () => {
    const loaded = await loadManifest(await world.manifest());
    world.now = at(5);
    await world.session((session) => syncHost(session, { loaded, verify: {} }), { dryRun: true });
    expect((await readGuard(world.backend)).applies).toEqual([]);
    await world.session((session) => syncHost(session, { loaded, verify: {} }));
    expect((await readGuard(world.backend)).applies.map((a) => a.name)).toEqual(['xsa-1', 'xsa-2']);
    await world.session((session) => changePayload(session, 'apply', { name: 'xsa-2' }));
    expect((await readGuard(world.backend)).applies).toHaveLength(2);
  });

  it('treats a record it cannot read as empty, and says so', async () => {
    await mkdir(join(world.kept, 'boot'), { recursive: true, mode: 0o700 });
    await writeFile(join(world.kept, 'boot', 'guard.json'), '{"version": 2}', { mode: 0o600 });
    const notes: string[] = [];
    expect(await readGuard(world.backend, (m) => notes.push(m))).toEqual(EMPTY_GUARD);
    expect(notes).toEqual([`the crash-loop guard record boot/guard.json on ${world.backend.host} is not what xlp writes: treated as empty`]);
  });
});

describe('the kill switch and the boot facts', () => {
  it('reads xlp.enable=0 on the command line, the last word winning', () => {
    expect(cmdlineDisables('ro quiet xlp.enable=0')).toBe(true);
    expect(cmdlineDisables('xlp.enable=0 xlp.enable=1')).toBe(false);
    expect(cmdlineDisables('xlp.enable=00 noxlp.enable=0')).toBe(false);
    expect(cmdlineDisables('')).toBe(false);
  });

  it('reads the disable file, with its first line as the reason, escaped', async () => {
    const file = join(world.dir, 'boot-disabled');
    expect(await killSwitch('', file)).toBeUndefined();
    await writeFile(file, 'maintenance \u001b[31mred\n2nd line\n');
    expect(await killSwitch('', file)).toBe(`${file} exists (maintenance \\x1b[31mred)`);
    expect(await killSwitch('xlp.enable=0', file)).toBe('xlp.enable=0 on the kernel command line');
  });

  it('reads the command line and the boot time from a proc directory; unreadable parts are absent', async () => {
    const proc = join(world.dir, 'proc');
    expect(await readBootFacts(proc)).toEqual({ cmdline: '' });
    const boot = simulatedBoot('xlp.enable=0', new Date(T0 + 300));
    await mkdir(proc);
    await writeFile(join(proc, 'cmdline'), boot.cmdline);
    await writeFile(join(proc, 'stat'), `cpu  1 2 3\n${boot.stat}processes 5\n`);
    expect(await readBootFacts(proc)).toEqual({ cmdline: 'xlp.enable=0', bootedAt: new Date(T0 + 1000) });
  });
});

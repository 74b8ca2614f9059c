/**
 * A full disk at every append of every change. The journal lives on a tmpfs of a few pages mounted
 * inside `unshare -m` (test/helpers/tiny-fs.ts); the simulated host lives elsewhere. For each change
 * and each of its appends (the intent, the intent's seal, the outcome, the outcome's seal) the file
 * system is filled just before that append: its pages for a record (write(2) then writes short into
 * the journal's last page, or fails with ENOSPC), its inodes for a seal (the seal's temp file cannot
 * be created). Whatever fails: exit 9, the journal cut back so that it verifies (never "changed
 * outside xlp"), the host untouched when the intent failed and the loss reported when the outcome
 * did, and the next run works once space is freed.
 *
 * Every record that runs out is larger than a page, so it cannot fit in the slack of the journal's
 * last page: records list the host's payloads with their .modinfo, and the payloads here carry a long
 * one (the change's own payload, and for an intent, which lists the host before the change, another).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSimState } from '../../src/host/sim/admin.js';
import { peekState } from '../../src/host/sim/state-store.js';
import { APPLIED } from '../../src/host/sim/state.js';
import { acquireLock } from '../../src/util/lock-file.js';
import { isolatedEnv } from '../helpers/cli.js';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';
import { slack, tinyFs, tinyFsUnavailable, type TinyFs } from '../helpers/tiny-fs.js';
import { json, waitFor } from './audit-helpers.js';

const unavailable = await tinyFsUnavailable();

/** One journaled change under test. */
interface ChangeCase {
  /** Brings the host to where the change can run, through the journal under test. */
  readonly prepare: readonly string[][];
  readonly args: readonly string[];
  /** The operation its first journaled change records (a sync's first step is an upload). */
  readonly operation?: string;
  /** The state of the change's payload once the change took effect. */
  readonly after: 'CHECKED' | 'APPLIED';
  /** A change that works once this one took effect. */
  readonly next: readonly string[];
}

const PAYLOAD = '<payload>';
/** A manifest that wants the payload applied as fd. */
const MANIFEST = '<manifest>';
const CHANGES: Record<string, ChangeCase> = {
  upload: { prepare: [], args: ['upload', 'fd', PAYLOAD], after: 'CHECKED', next: ['apply', 'fd'] },
  load: { prepare: [], args: ['load', PAYLOAD, '--name', 'fd'], after: 'APPLIED', next: ['revert', 'fd'] },
  revert: { prepare: [['load', PAYLOAD, '--name', 'fd']], args: ['revert', 'fd'], after: 'CHECKED', next: ['apply', 'fd'] },
  // Its first step, the upload, is what the full disk cuts short; the sync stops there.
  sync: { prepare: [], args: ['sync', '-f', MANIFEST], operation: 'upload', after: 'CHECKED', next: ['sync', '-f', MANIFEST] },
};

interface Step {
  readonly append: 'intent' | 'intent seal' | 'outcome' | 'outcome seal';
  /** What runs out: pages stop a record, inodes stop a seal (its temp file). */
  readonly fill: 'pages' | 'inodes';
  readonly sealed: boolean;
}

const STEPS: readonly Step[] = [
  { append: 'intent', fill: 'pages', sealed: false },
  { append: 'intent seal', fill: 'inodes', sealed: true },
  { append: 'outcome', fill: 'pages', sealed: false },
  { append: 'outcome seal', fill: 'inodes', sealed: true },
];

let home: string;
let payload: string;
let ballast: string;
let key: string;
let manifest: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'xlp-full-disk-'));
  key = join(home, 'seal.key');
  await writeFile(key, 'a full-disk test HMAC key, 32+ bytes', { mode: 0o600 });
  const long = Array.from({ length: 40 }, (_, i) => `note${i}=${'x'.repeat(110)}`);
  [payload, ballast] = await Promise.all([buildPayload({ id: 'fulldisk', returns: '-fd', modinfo: long }), buildPayload({ id: 'ballast', modinfo: long })]);
  manifest = join(home, 'site.yaml');
  const sha256 = createHash('sha256').update(await readFile(payload)).digest('hex');
  await writeFile(manifest, `version: 1\nhypervisors:\n  - build-id: ${TEST_XEN_BUILD_ID}\n    payloads:\n      - name: fd\n        file: ${payload}\n        sha256: ${sha256}\n        state: applied\n`);
}, 120_000);
afterAll(async () => rm(home, { recursive: true, force: true }));

/** One host with its journal on a tiny file system of its own. */
async function cell(name: string, sealed: boolean) {
  const dir = join(home, name);
  const fs: TinyFs = await tinyFs(join(dir, 'tiny'), { sizeKiB: 96, inodes: 16 });
  const statePath = join(dir, 'sim', 'state.json');
  // A host that exists: creating it would need the state lock a test holds to pause a change.
  await initSimState(statePath, { buildId: TEST_XEN_BUILD_ID });
  const journal = join(fs.inside, 'audit.jsonl');
  const env = isolatedEnv(dir, { XLP_SIM_BUILD_ID: TEST_XEN_BUILD_ID, XLP_AUDIT_LOG: journal, ...(sealed ? { XLP_AUDIT_SEAL_KEY: key } : {}) });
  const flags = ['-q', '--backend', 'sim', '--sim-state', statePath];
  const args = (command: readonly string[]) => [...command.map((a) => (a === PAYLOAD ? payload : a === MANIFEST ? manifest : a)), ...flags];
  return {
    fs,
    statePath,
    journalOutside: fs.outside('audit.jsonl'),
    sealOutside: fs.outside('audit.jsonl.seal'),
    xlp: (command: readonly string[]) => fs.xlp(args(command), env),
    start: (command: readonly string[]) => fs.start(args(command), env),
    verify: () => fs.xlp(['audit', 'verify', '--json', ...(sealed ? ['--seal-key', key] : [])], env),
    status: () => fs.xlp(['status', '--json', ...flags], env),
    listed: async () => ((await peekState(statePath))?.payloads ?? []).map((p) => [p.name, p.state === APPLIED ? 'APPLIED' : 'CHECKED'] as const),
    lines: async () => (await readFile(fs.outside('audit.jsonl'), 'utf8').catch(() => '')).split('\n').slice(0, -1),
  };
}

describe('the journal on a full disk', () => {
  if (unavailable !== undefined) {
    // Under CI these tests must run: a skip there would hide a durability regression.
    if (process.env.CI) it('can mount a tiny file system (needs root and unshare -m under CI)', () => expect.fail(unavailable));
    else it.skip(`skipped: ${unavailable}`, () => {});
    return;
  }

  const cases = Object.entries(CHANGES).flatMap(([command, change]) => STEPS.map((step) => [command, step.append, change, step] as const));

  it.each(cases)('%s, the disk full at its %s: exit 9, a journal that verifies, and the next run works once space is freed', async (command, _append, change, step) => {
    const host = await cell(`${command}-${step.append.replace(' ', '-')}`, step.sealed);
    try {
      // History first, while there is room. An intent lists the host before the change: put a big
      // payload there (uploaded only: the change's payload stacks on Xen itself). Not before an
      // outcome: xlp would read the console to check it, under the state lock the test holds.
      const ballasted = step.append.startsWith('intent') ? [['upload', 'ballast', ballast]] : [];
      for (const run of [...ballasted, ...change.prepare]) expect((await host.xlp(run)).exitCode).toBe(0);
      const before = await host.listed();
      const journalBefore = await readFile(host.journalOutside).catch(() => Buffer.alloc(0));
      const sealBefore = step.sealed ? await readFile(host.sealOutside, 'utf8').catch(() => undefined) : undefined;
      const fill = async () => (step.fill === 'pages' ? host.fs.fillPages(1) : host.fs.fillInodes());
      let room = 0;
      let result;
      if (step.append.startsWith('intent')) {
        // One page is left for the append lock's owner record: the append itself is what runs out.
        await fill();
        room = await slack(host.journalOutside);
        result = await host.xlp(change.args);
      } else {
        // Holding the simulator's state lock stops the change right after its intent is on disk.
        const simLock = await acquireLock(`${host.statePath}.lock`, { timeoutMs: 5000, command: 'test', what: 'sim' });
        const lines = (await host.lines()).length;
        const running = host.start(change.args);
        try {
          await waitFor('the intent record', async () => (await host.lines()).length === lines + 1);
          // Sealed, the intent is whole only once its seal is written: fill the disk after that, or the
          // intent's seal is what runs out (the case above), not the outcome's.
          if (step.sealed) await waitFor("the intent's seal", async () => ((JSON.parse(await readFile(host.sealOutside, 'utf8').catch(() => '{}')) as { seq?: number }).seq ?? 0) === lines + 1);
          await fill();
          room = await slack(host.journalOutside);
        } finally {
          await simLock.release();
        }
        result = await running;
      }
      const stderr = String(result.stderr);
      expect(result.exitCode, stderr).toBe(9);
      expect(stderr).not.toContain('changed outside xlp');
      if (step.fill === 'pages') expect(stderr).toMatch(room > 0 ? /only \d+ of \d+ bytes were written/ : /the disk is full/);
      else expect(stderr).toMatch(/cannot seal the audit journal .*: the disk is full/);

      if (step.append.startsWith('intent')) {
        expect(stderr).toContain('nothing was changed');
        expect(await host.listed()).toEqual(before);
        expect(await readFile(host.journalOutside)).toEqual(journalBefore);
        if (step.sealed) expect(await readFile(host.sealOutside, 'utf8')).toBe(sealBefore);
      } else {
        // The host did change; the journal keeps the intent, and says so.
        const operation = change.operation ?? command;
        expect(stderr).toMatch(new RegExp(`the ${operation} of fd ended 'done' but that is not recorded`));
        expect(await host.listed()).toEqual([['fd', change.after]]);
        const lines = await host.lines();
        expect(lines.length).toBe(journalBefore.toString().split('\n').length);
        expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ type: 'intent', operation, name: 'fd' });
        if (step.sealed) expect(JSON.parse(await readFile(host.sealOutside, 'utf8'))).toMatchObject({ seq: lines.length });
        const status = json<{ anomalies: Array<{ kind: string; name?: string }> }>(await host.status());
        expect(status.anomalies).toContainEqual(expect.objectContaining({ kind: 'interrupted', name: 'fd' }));
      }
      const verify = await host.verify();
      expect(verify.exitCode, verify.stdout).toBe(0);
      expect(json(verify)).toMatchObject({ ok: true, tail: { condition: 'clean' }, ...(step.sealed ? { seal: { status: 'valid' } } : {}) });

      await host.fs.free();
      const next = step.append.startsWith('intent') ? change.args : change.next;
      const again = await host.xlp(next);
      expect(again.exitCode, again.stderr).toBe(0);
      expect((await host.verify()).exitCode).toBe(0);
    } finally {
      await host.fs.close();
    }
  }, 90_000);

  it('a new journal on a full file system: its first write gets ENOSPC, and nothing is left behind', async () => {
    const host = await cell('new-journal', false);
    try {
      await host.fs.fillPages(1);
      const result = await host.xlp(CHANGES.upload?.args ?? []);
      expect(result.exitCode, result.stderr).toBe(9);
      expect(result.stderr).toMatch(/cannot write to the audit journal .*: the disk is full; nothing was changed/);
      expect(await host.listed()).toEqual([]);
      expect(await readFile(host.journalOutside, 'utf8')).toBe('');
      await host.fs.free();
      expect((await host.xlp(CHANGES.upload?.args ?? [])).exitCode).toBe(0);
      expect((await host.verify()).exitCode).toBe(0);
    } finally {
      await host.fs.close();
    }
  }, 60_000);
});

/**
 * The operations in-process: a session over the real xen-livepatch backend and a scripted runner, an
 * in-memory journal and record. Each test says which tool runs an operation makes, what it journals,
 * how it rolls back, follows a busy hypervisor, re-runs idempotently and stops when asked, step by step.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { changePayload, loadPayload, uploadPayload } from '../../src/ops/operations.js';
import { parsePayload } from '../../src/payload/parse.js';
import { emptyRecord, type HostRecord } from '../../src/verify/store.js';
import { caught } from '../helpers/caught.js';
import { HOST, XEN, consoleDump, harness, listOutput, uploaded, xlInfo, type Harness } from '../helpers/ops-harness.js';
import { buildPayload } from '../helpers/payloads.js';
import { G2, out } from '../helpers/xen-outputs.js';

let file: string;
let hooked: string;
let sha256: string;
let buildId: string;

beforeAll(async () => {
  file = await buildPayload({ id: 'ops', returns: '-ops', modinfo: ['XSA=1'] });
  hooked = await buildPayload({ id: 'opshook', returns: '-hook', hooks: ['preapply'] });
  const info = parsePayload(await readFile(file));
  sha256 = info.sha256;
  buildId = info.buildId as string;
}, 60_000);

const checked = { name: 'ops', state: 'CHECKED' as const, rc: 0, metadata: ['XSA=1'] };
const applied = { ...checked, state: 'APPLIED' as const };

/** xlp's record of a host where it uploaded `ops` (these very bytes) earlier. */
const uploadedBefore = (stack: string[] = []): HostRecord => ({
  ...emptyRecord(HOST),
  xenBuildId: XEN,
  payloads: { ops: { sha256, size: 1, buildId, depends: XEN, xenDepends: XEN, hooks: [], uploadedAt: '2026-01-01T00:00:00Z' } },
  applied: stack,
});

async function run<T>(h: Harness, body: (session: Awaited<ReturnType<Harness['open']>>) => Promise<T>, options: { dryRun?: boolean } = {}): Promise<T> {
  const session = await h.open(options);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

/** The same, in a dry-run session. */
const rehearse = <T>(h: Harness, body: (session: Awaited<ReturnType<Harness['open']>>) => Promise<T>): Promise<T> => run(h, body, { dryRun: true });

const journaled = (h: Harness) => h.journal.records.map((r) => (r.type === 'intent' ? `intent ${r.intent.operation}` : r.type === 'outcome' ? `outcome ${r.outcome.result}` : `boot ${r.boot.outcome}`));

describe('load', () => {
  it('verifies, uploads and applies with four tool runs, journals intent and outcome, and records the bytes', async () => {
    const h = harness();
    h.runner.reply('xen-livepatch list', listOutput([]));
    h.runner.reply('xl info', xlInfo());
    h.runner.reply('xen-livepatch upload ops', uploaded);
    h.runner.reply('xen-livepatch apply ops', G2.done('apply', 'ops'));
    const result = await run(h, (s) => loadPayload(s, { file, name: 'ops' }));
    expect(h.runner.calls).toEqual(['xen-livepatch list', 'xl info', expect.stringMatching(/^xen-livepatch upload ops STAGED\/\w+\.livepatch$/), 'xen-livepatch apply ops']);
    expect(result).toMatchObject({ operation: 'load', name: 'ops', result: 'done', state: 'APPLIED', steps: ['upload', 'apply'], sha256, buildId });
    expect(journaled(h)).toEqual(['intent load', 'outcome done']);
    const outcome = h.journal.records[1];
    expect(outcome?.type === 'outcome' && outcome.outcome.stateAfter).toEqual({ payloads: [applied], derived: true });
    expect(h.records.current()).toMatchObject({ payloads: { ops: { sha256, buildId } }, applied: ['ops'] });
    expect(h.reporter.stages.map((s) => [s.title, s.ok])).toEqual([[`Verify ${file}`, true], ['Upload ops', true], ['Apply ops', true]]);
    expect(h.journal.held).toBe(false);
  });

  it('unloads what it uploaded when the apply fails, and journals the rollback', async () => {
    const h = harness();
    h.runner.reply('xen-livepatch list', listOutput([]), listOutput([]));
    h.runner.reply('xl info', xlInfo());
    h.runner.reply('xen-livepatch upload ops', uploaded);
    h.runner.reply('xen-livepatch apply ops', G2.actionFailed('apply', 'ops', 22));
    h.runner.reply('xen-livepatch unload ops', G2.done('unload', 'ops'));
    const error = await caught(run(h, (s) => loadPayload(s, { file, name: 'ops' })));
    expect([error.code, error.exitCode]).toEqual(['rejected', ExitCode.REJECTED]);
    expect(error.message).toMatch(/EINVAL.*; rolled back: ops was unloaded again, nothing changed$/);
    expect(error.rollback).toEqual({ steps: ['unload ops'], succeeded: true, state: 'absent' });
    expect(journaled(h)).toEqual(['intent load', 'outcome rolled-back']);
    expect(h.records.current().payloads).toEqual({});
    expect(h.reporter.stages.map((s) => [s.title, s.ok])).toEqual([[`Verify ${file}`, true], ['Upload ops', true], ['Apply ops', false], ['Roll back: unload ops', true]]);
  });

  it('says the host was left changed, with exit 12, when undoing fails too', async () => {
    const h = harness(undefined, 300);
    h.runner.reply('xen-livepatch list', listOutput([]), listOutput([checked]));
    h.runner.reply('xl info', xlInfo());
    h.runner.reply('xen-livepatch upload ops', uploaded);
    h.runner.reply('xen-livepatch apply ops', G2.actionFailed('apply', 'ops', 12));
    h.runner.reply('xen-livepatch unload ops', G2.actionFailed('unload', 'ops', 5));
    const error = await caught(run(h, (s) => loadPayload(s, { file, name: 'ops' })));
    expect([error.code, error.exitCode]).toEqual(['rollback-failed', ExitCode.ROLLBACK_FAILED]);
    expect(error.message).toMatch(/ENOMEM.*; rolling back \(unload ops\) failed too \(.*EIO \(Input\/output error\)\): ops is left CHECKED$/);
    expect(error.rollback).toMatchObject({ steps: ['unload ops'], succeeded: false, state: 'CHECKED' });
    expect(journaled(h)).toEqual(['intent load', 'outcome failed']);
  });

  it('changes nothing and journals nothing when these very bytes are already applied', async () => {
    const h = harness(uploadedBefore(['ops']));
    h.runner.reply('xen-livepatch list', listOutput([applied]));
    h.runner.reply('xl debug-keys x', out(''));
    h.runner.reply('xl dmesg', consoleDump([{ name: 'ops', state: 'APPLIED', buildId, depends: XEN }]));
    const result = await run(h, (s) => loadPayload(s, { file, name: 'ops' }));
    expect(result).toMatchObject({ result: 'unchanged', state: 'APPLIED', steps: [] });
    expect(h.runner.calls).toEqual(['xen-livepatch list', 'xl debug-keys x', 'xl dmesg']);
    expect(journaled(h)).toEqual([]);
  });

  it('only applies what an earlier run uploaded', async () => {
    const h = harness(uploadedBefore());
    h.runner.reply('xen-livepatch list', listOutput([checked]));
    h.runner.reply('xl debug-keys x', out(''));
    h.runner.reply('xl dmesg', consoleDump([{ name: 'ops', state: 'CHECKED', buildId, depends: XEN }]));
    h.runner.reply('xen-livepatch apply ops', G2.done('apply', 'ops'));
    expect(await run(h, (s) => loadPayload(s, { file, name: 'ops' }))).toMatchObject({ result: 'done', steps: ['apply'] });
  });

  it('refuses bytes under the name that xlp did not upload (exit 13), touching nothing', async () => {
    const h = harness();
    h.runner.reply('xen-livepatch list', listOutput([checked]));
    h.runner.reply('xl debug-keys x', out(''));
    h.runner.reply('xl dmesg', consoleDump([{ name: 'ops', state: 'CHECKED', buildId, depends: XEN }]));
    const error = await caught(run(h, (s) => loadPayload(s, { file, name: 'ops' })));
    expect([error.code, error.exitCode]).toEqual(['unverified', ExitCode.UNVERIFIED]);
    expect(journaled(h)).toEqual([]);
  });

  it('touches nothing when the intent cannot be journaled', async () => {
    const h = harness();
    h.runner.reply('xen-livepatch list', listOutput([]));
    h.runner.reply('xl info', xlInfo());
    h.journal.failNextIntent();
    const error = await caught(run(h, (s) => uploadPayload(s, { file, name: 'ops' })));
    expect(error.exitCode).toBe(ExitCode.AUDIT);
    expect(h.runner.calls).toEqual(['xen-livepatch list', 'xl info']);
    expect(h.records.current().payloads).toEqual({});
  });
});

describe('a stop request (SIGINT, SIGTERM, SIGHUP) at each step of a load', () => {
  const prepare = (h: Harness): void => {
    h.runner.reply('xen-livepatch list', listOutput([]));
    h.runner.reply('xl info', xlInfo());
  };

  it('before anything was changed: nothing is changed or journaled', async () => {
    const h = harness();
    h.stopDuring('xen-livepatch list', listOutput([]), 'SIGTERM');
    h.runner.reply('xl info', xlInfo());
    const error = await caught(run(h, (s) => loadPayload(s, { file, name: 'ops' })));
    expect([error.code, error.exitCode, error.message]).toEqual(['interrupted', 130, 'stopped by SIGTERM before: upload ops']);
    expect(h.runner.calls).toEqual(['xen-livepatch list', 'xl info']);
    expect(journaled(h)).toEqual([]);
    expect(h.reporter.notices).toEqual(['SIGTERM received: stopping after the current step']);
  });

  it('during the upload: the upload ends, the apply never starts, the upload is undone', async () => {
    const h = harness();
    prepare(h);
    h.stopDuring('xen-livepatch upload ops', uploaded, 'SIGHUP');
    h.runner.reply('xen-livepatch unload ops', G2.done('unload', 'ops'));
    h.runner.reply('xen-livepatch list', listOutput([]));
    const error = await caught(run(h, (s) => loadPayload(s, { file, name: 'ops' })));
    expect([error.code, error.exitCode]).toEqual(['interrupted', 130]);
    expect(error.message).toBe('stopped by SIGHUP before: apply ops; rolled back: ops was unloaded again, nothing changed');
    expect(h.runner.calls.filter((c) => c.startsWith('xen-livepatch apply'))).toEqual([]);
    const outcome = h.journal.records[1];
    expect(outcome?.type === 'outcome' && outcome.outcome).toMatchObject({ result: 'rolled-back', state: 'absent', interrupted: 'SIGHUP' });
  });

  it('during the apply: the apply ends and is journaled as done, then the run stops with 130', async () => {
    const h = harness();
    prepare(h);
    h.runner.reply('xen-livepatch upload ops', uploaded);
    h.stopDuring('xen-livepatch apply ops', G2.done('apply', 'ops'));
    const error = await caught(run(h, (s) => loadPayload(s, { file, name: 'ops' })));
    expect([error.code, error.exitCode]).toEqual(['interrupted', 130]);
    expect(error.message).toBe('stopped by SIGINT: the load of ops had finished (ops is APPLIED); no further step was started');
    const outcome = h.journal.records[1];
    expect(outcome?.type === 'outcome' && outcome.outcome).toMatchObject({ result: 'done', state: 'APPLIED', interrupted: 'SIGINT' });
    expect(h.reporter.notices).toEqual(['SIGINT received: stopping after the current step (Ctrl-C again stops at once)']);
  });
});

describe('actions', () => {
  it('follows an apply the tool stopped waiting for, to its confirmed end, and journals the listed state', async () => {
    const h = harness(uploadedBefore());
    h.runner.reply('xen-livepatch list', listOutput([checked]));
    h.runner.reply('xl debug-keys x', out(''));
    h.runner.reply('xl dmesg', consoleDump([{ name: 'ops', state: 'CHECKED', buildId, depends: XEN }]));
    h.runner.reply('xen-livepatch apply ops', G2.incomplete('apply', 'ops'));
    h.runner.reply('xen-livepatch list', listOutput([{ ...checked, rc: 11 }]), listOutput([applied]));
    const result = await run(h, (s) => changePayload(s, 'apply', { name: 'ops' }));
    expect(result).toMatchObject({ result: 'done', state: 'APPLIED' });
    expect(result.outputs[0]?.stderr).toBe("Operation didn't complete.\n");
    const outcome = h.journal.records[1];
    expect(outcome?.type === 'outcome' && outcome.outcome.stateAfter).toEqual({ payloads: [applied], derived: false });
    expect(h.records.current().applied).toEqual(['ops']);
  });

  it('gives up with exit 5 when the hypervisor stays busy past the timeout', async () => {
    const h = harness(uploadedBefore(['ops']), 200);
    h.runner.reply('xen-livepatch list', listOutput([applied]));
    for (let i = 0; i < 50; i++) h.runner.reply('xen-livepatch revert ops', G2.actionFailed('revert', 'ops', 16));
    for (let i = 0; i < 50; i++) h.runner.reply('xen-livepatch list', listOutput([{ ...applied, rc: 16 }]));
    const error = await caught(run(h, (s) => changePayload(s, 'revert', { name: 'ops' })));
    expect([error.code, error.exitCode]).toEqual(['busy-timeout', ExitCode.BUSY]);
    expect(journaled(h)).toEqual(['intent revert', 'outcome failed']);
  });

  it('changes nothing for an action already done, and keeps the record as it was', async () => {
    const h = harness(uploadedBefore(['ops']));
    h.runner.reply('xen-livepatch list', listOutput([applied]));
    h.runner.reply('xen-livepatch apply ops', G2.noActionNeeded());
    const result = await run(h, (s) => changePayload(s, 'apply', { name: 'ops' }));
    expect(result).toMatchObject({ result: 'unchanged', steps: [] });
    expect(h.records.current().applied).toEqual(['ops']);
    expect(journaled(h)).toEqual(['intent apply', 'outcome unchanged']);
  });

  it('refuses to apply bytes it did not upload unless told to, and then journals the waiver', async () => {
    const refused = harness();
    refused.runner.reply('xen-livepatch list', listOutput([checked]));
    refused.runner.reply('xl debug-keys x', out(''));
    refused.runner.reply('xl dmesg', consoleDump([{ name: 'ops', state: 'CHECKED', buildId, depends: XEN }]));
    expect((await caught(run(refused, (s) => changePayload(s, 'apply', { name: 'ops' })))).exitCode).toBe(ExitCode.UNVERIFIED);
    expect(refused.runner.calls.some((c) => c.startsWith('xen-livepatch apply'))).toBe(false);

    const waived = harness();
    waived.runner.reply('xen-livepatch list', listOutput([checked]));
    waived.runner.reply('xl debug-keys x', out(''));
    waived.runner.reply('xl dmesg', consoleDump([{ name: 'ops', state: 'CHECKED', buildId, depends: XEN }]));
    waived.runner.reply('xen-livepatch apply ops', G2.done('apply', 'ops'));
    await run(waived, (s) => changePayload(s, 'apply', { name: 'ops', acceptUnverified: true }));
    const intent = waived.journal.records[0];
    expect(intent?.type === 'intent' && intent.intent.skippedChecks).toEqual(['--accept-unverified: apply of ops, whose bytes xlp did not upload']);
  });

  it("names a pre-apply hook's veto as such, not as a build-id or privilege problem", async () => {
    const info = parsePayload(await readFile(hooked));
    const record: HostRecord = { ...emptyRecord(HOST), xenBuildId: XEN, payloads: { hk: { sha256: info.sha256, size: 1, buildId: info.buildId as string, depends: XEN, hooks: ['preapply'], uploadedAt: '' } }, applied: [] };
    const h = harness(record);
    h.runner.reply('xen-livepatch list', listOutput([{ name: 'hk', state: 'CHECKED', rc: 0, metadata: [] }]), listOutput([{ name: 'hk', state: 'CHECKED', rc: 0, metadata: [] }]));
    h.runner.reply('xl debug-keys x', out(''));
    h.runner.reply('xl dmesg', consoleDump([{ name: 'hk', state: 'CHECKED', buildId: info.buildId as string, depends: XEN }]));
    h.runner.reply('xen-livepatch apply hk', G2.actionFailed('apply', 'hk', 1));
    const error = await caught(run(h, (s) => changePayload(s, 'apply', { name: 'hk' })));
    expect([error.code, error.exitCode, error.errno]).toEqual(['hook-veto', ExitCode.REJECTED, 1]);
    expect(error.message).toBe('the preapply hook of hk refused the apply: errno 1 EPERM (Operation not permitted)');
    expect(error.hint).not.toMatch(/root|build-id/);
  });

  it('explains an unknown name with what is loaded, before journaling anything', async () => {
    const h = harness();
    h.runner.reply('xen-livepatch list', listOutput([checked]));
    const error = await caught(run(h, (s) => changePayload(s, 'revert', { name: 'nope' })));
    expect([error.code, error.exitCode, error.message]).toEqual(['not-found', ExitCode.NOT_FOUND, 'no payload named nope is loaded (loaded: ops)']);
    // Refused before anything was journaled or run.
    expect([h.runner.calls, journaled(h)]).toEqual([['xen-livepatch list'], []]);
  });
});

describe('a dry run', () => {
  /** A dry run may only read: list, xl info and the console dump. */
  const onlyReads = (calls: readonly string[]): boolean => calls.every((c) => /^(xen-livepatch list|xl info|xl debug-keys x|xl dmesg)$/.test(c));

  it('runs every check of a load, shows the tool commands it would run, and changes, journals and records nothing', async () => {
    const h = harness();
    h.runner.reply('xen-livepatch list', listOutput([]));
    h.runner.reply('xl info', xlInfo());
    const result = await rehearse(h, (s) => loadPayload(s, { file, name: 'ops' }));
    expect(onlyReads(h.runner.calls)).toBe(true);
    expect(result).toMatchObject({ result: 'done', state: 'APPLIED', steps: ['upload', 'apply'], dryRun: true });
    expect(result.wouldRun).toEqual([
      ['/usr/sbin/xen-livepatch', 'upload', 'ops', expect.stringMatching(/^<private copy of \w+\.livepatch>$/)],
      ['/usr/sbin/xen-livepatch', 'apply', 'ops'],
    ]);
    expect([journaled(h), h.journal.held, h.records.current()]).toEqual([[], false, emptyRecord(HOST)]);
    expect(h.reporter.stages.map((s) => s.title)).toEqual([`Verify ${file}`, 'Would upload ops', 'Would apply ops']);
  });

  it('refuses as the real run would: a revert below the top, an unload of an applied payload', async () => {
    const stacked = { ...uploadedBefore(['ops', 'top']), payloads: { ...uploadedBefore().payloads, top: { sha256: '00'.repeat(32), size: 1, buildId: 'ab'.repeat(20), depends: buildId, hooks: [], uploadedAt: '' } } };
    const both = [applied, { name: 'top', state: 'APPLIED' as const, rc: 0, metadata: [] }];
    const h = harness(stacked);
    h.runner.reply('xen-livepatch list', listOutput(both));
    h.runner.reply('xl debug-keys x', out(''));
    h.runner.reply('xl dmesg', consoleDump([{ name: 'ops', state: 'APPLIED', buildId, depends: XEN }, { name: 'top', state: 'APPLIED', buildId: 'ab'.repeat(20), depends: buildId }]));
    const notTop = await caught(rehearse(h, (s) => changePayload(s, 'revert', { name: 'ops' })));
    expect([notTop.code, notTop.exitCode, notTop.message]).toEqual(['not-top', ExitCode.WRONG_STATE, 'cannot revert ops: it is not the top of the applied stack (also applied: top)']);
    h.runner.reply('xen-livepatch list', listOutput(both));
    const appliedOne = await caught(rehearse(h, (s) => changePayload(s, 'unload', { name: 'top' })));
    expect([appliedOne.code, appliedOne.exitCode, appliedOne.message]).toEqual(['wrong-state', ExitCode.WRONG_STATE, 'cannot unload top: it is APPLIED']);
    expect(onlyReads(h.runner.calls)).toBe(true);
    expect(journaled(h)).toEqual([]);
  });
});

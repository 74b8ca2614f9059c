/** The AuditSink the CLI uses, driven as change.ts drives it. */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJournalSink } from '../../src/audit/sink.js';
import type { AuditSink } from '../../src/audit/types.js';
import type { PayloadStatus } from '../../src/model/types.js';

let dir: string;
let notes: string[];
let sink: AuditSink;
const journalPath = () => join(dir, 'j', 'audit.jsonl');
const before: PayloadStatus[] = [{ name: 'a', state: 'APPLIED', rc: 0, metadata: [] }, { name: 'b', state: 'CHECKED', rc: 0, metadata: ['XSA=1'] }];
const records = async () => (await readFile(journalPath(), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-audit-sink-'));
  notes = [];
  sink = createJournalSink({
    journalPath: journalPath(),
    lockDir: join(dir, 'locks'),
    lockTimeoutMs: 0,
    actor: { controller: 'ctl', user: 'root', uid: 0, pid: process.pid, xlp: '9.9.9' },
    note: (message) => notes.push(message),
  });
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('the journal sink', () => {
  it('records a derived state after as derived', async () => {
    const entry = await sink.begin({ operation: 'apply', name: 'b', host: 'h', argv: ['apply', 'b'], stateBefore: before });
    const after = [before[0]!, { ...before[1]!, state: 'APPLIED' as const }];
    await entry.finish({ result: 'done', state: 'APPLIED', stateAfter: { payloads: after, derived: true }, outputs: [] });
    const [intent, outcome] = await records();
    expect(outcome).toMatchObject({ intent: intent?.seq, result: 'done', state: 'APPLIED', stateAfterDerived: true, stateAfter: after });
  });

  it('keeps a listed state after as listed', async () => {
    const entry = await sink.begin({ operation: 'apply', name: 'b', host: 'h', argv: [], stateBefore: before });
    await entry.finish({ result: 'failed', state: 'CHECKED', stateAfter: { payloads: before, derived: false }, outputs: [], error: { code: 'x', message: 'y', exitCode: 1 } });
    const [, outcome] = await records();
    expect(outcome?.stateAfterDerived).toBeUndefined();
    expect(outcome?.stateAfter).toEqual(before);
  });

  it('says that a change happened when only its outcome cannot be written', async () => {
    const entry = await sink.begin({ operation: 'unload', name: 'b', host: 'h', argv: [], stateBefore: before });
    await appendFile(journalPath(), '{"torn');
    await expect(entry.finish({ result: 'done', state: 'absent', outputs: [] })).rejects.toMatchObject({
      exitCode: 9,
      message: expect.stringMatching(/the unload of b ended 'done' but that is not recorded$/),
    });
  });

  it('holds one lock per host: a second holder is refused, naming the first', async () => {
    const first = await sink.hold({ host: 'h', command: 'xlp apply first', liveState: async () => before });
    await expect(sink.hold({ host: 'h', command: 'xlp apply second', liveState: async () => before })).rejects.toMatchObject({
      exitCode: 9,
      message: expect.stringMatching(new RegExp(`held by pid ${process.pid} \\(xlp apply first\\)`)),
    });
    const other = await sink.hold({ host: 'other', command: 'xlp apply elsewhere', liveState: async () => before });
    await other.release();
    await first.release();
    const again = await sink.hold({ host: 'h', command: 'xlp apply third', liveState: async () => before });
    await again.release();
    expect(notes).toEqual([]);
  });
});

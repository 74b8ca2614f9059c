/** `xlp status`'s reading of a journal against a live list, on journals written by the real writer. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/audit/journal-writer.js';
import type { RecordDraft } from '../../src/audit/record.js';
import { hostStatus, type RecordView } from '../../src/audit/status.js';
import { advisories } from '../../src/model/patch-level.js';
import type { ChangeResult } from '../../src/model/results.js';
import { presenceIn, type Operation } from '../../src/model/vocabulary.js';
import type { PayloadStatus } from '../../src/model/types.js';

let dir: string;
let path: string;
let journal: Journal;
let seq: number;
/** The host's list as the journal last left it: the next change's state before. */
let hostList: PayloadStatus[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-audit-status-'));
  path = join(dir, 'j', 'audit.jsonl');
  journal = new Journal({ path, lockTimeoutMs: 1000 });
  seq = 0;
  hostList = [];
});
afterEach(async () => {
  await journal.close();
  await rm(dir, { recursive: true, force: true });
});

const p = (name: string, state: PayloadStatus['state'], metadata: string[] = []): PayloadStatus => ({ name, state, rc: 0, metadata });
const actor = { controller: 'ctl', user: 'root', uid: 0, pid: 1, xlp: '0' };
/** xlp's record of the host: the sha256 it uploaded under each name, and the order it applied them in. */
const recordOf = (sha256: Record<string, string>, applied: string[] = []): RecordView => ({ payloads: Object.fromEntries(Object.entries(sha256).map(([name, sha]) => [name, { sha256: sha }])), applied });
/** xlp's record vouches for the bytes it uploaded under each name (the journal's sha256 is `<name>-sha`). */
const VOUCHED = recordOf(Object.fromEntries(['a', 'b', 'c'].map((name) => [name, `${name}-sha`])));

/** Journals one change: its intent, and its outcome (leaving the host as `stateAfter`) unless `result` is 'interrupted'. */
async function change(operation: Operation, name: string, result: ChangeResult | 'interrupted', stateAfter?: PayloadStatus[], host = 'h'): Promise<number> {
  const time = new Date(Date.UTC(2026, 10, 25, 10, 0, ++seq)).toISOString();
  const intent = await journal.append({ type: 'intent', time, host, ...actor, argv: [], operation, name, sha256: `${name}-sha`, stateBefore: hostList } as RecordDraft);
  if (result !== 'interrupted') {
    const after = stateAfter ?? hostList;
    await journal.append({ type: 'outcome', time, host, intent: intent.seq, pid: 1, operation, name, result, state: presenceIn(after, name), durationMs: 1, outputs: [], stateAfter: after });
    if (host === 'h') hostList = after;
  }
  return intent.seq;
}

describe('xlp status', () => {
  it('follows replace: the others are no longer applied', async () => {
    await change('load', 'a', 'done', [p('a', 'APPLIED')]);
    await change('upload', 'b', 'done', [p('a', 'APPLIED'), p('b', 'CHECKED')]);
    const replace = await change('replace', 'b', 'done', [p('a', 'CHECKED'), p('b', 'APPLIED')]);
    const status = await hostStatus('h', [p('a', 'CHECKED'), p('b', 'APPLIED')], path, VOUCHED);
    expect(status.anomalies).toEqual([]);
    expect(status.payloads.map((x) => [x.name, x.source, x.applied?.record])).toEqual([['a', 'xlp', undefined], ['b', 'xlp', replace]]);
  });

  it('counts a failed load whose payload stayed loaded as uploaded by xlp', async () => {
    await change('load', 'a', 'failed', [p('a', 'CHECKED')]);
    const status = await hostStatus('h', [p('a', 'CHECKED')], path, VOUCHED);
    expect(status.payloads).toEqual([expect.objectContaining({ name: 'a', source: 'xlp', sha256: 'a-sha' })]);
    expect(status.payloads[0]?.applied).toBeNull();
    expect(status.anomalies).toEqual([]);
  });

  it('reports an interrupted change with the verdict of the live state, and only for its host', async () => {
    const interrupted = await change('apply', 'a', 'interrupted');
    await change('apply', 'z', 'interrupted', undefined, 'other-host');
    const status = await hostStatus('h', [p('a', 'APPLIED')], path, VOUCHED);
    expect(status.anomalies).toContainEqual(expect.objectContaining({ kind: 'interrupted', name: 'a', record: interrupted, message: expect.stringContaining('completed, a is APPLIED') }));
    expect(status.anomalies.filter((x) => x.kind === 'interrupted')).toHaveLength(1);
  });

  it('reports what the journal expects but the host lacks (a reboot), and what changed behind its back', async () => {
    await change('load', 'a', 'done', [p('a', 'APPLIED')]);
    await change('load', 'b', 'done', [p('a', 'APPLIED'), p('b', 'APPLIED')]);
    const status = await hostStatus('h', [p('b', 'CHECKED'), p('c', 'CHECKED')], path, VOUCHED);
    expect(status.anomalies.map((x) => [x.kind, x.name]).sort()).toEqual([['loaded-outside-xlp', 'c'], ['missing', 'a'], ['state-differs', 'b']]);
  });

  it('records which state the journal expected of what is missing or changed', async () => {
    await change('load', 'a', 'done', [p('a', 'APPLIED')]);
    await change('upload', 'b', 'done', [p('a', 'APPLIED'), p('b', 'CHECKED')]);
    const status = await hostStatus('h', [p('a', 'CHECKED')], path, VOUCHED);
    expect(status.anomalies.map((x) => [x.kind, x.name, x.recorded])).toEqual([['state-differs', 'a', 'APPLIED'], ['missing', 'b', 'CHECKED']]);
  });

  it('flags a CHECKED payload that was reverted since its upload as stale, not one never applied', async () => {
    await change('load', 'a', 'done', [p('a', 'APPLIED')]);
    await change('upload', 'b', 'done', [p('a', 'APPLIED'), p('b', 'CHECKED')]);
    await change('revert', 'a', 'done', [p('a', 'CHECKED'), p('b', 'CHECKED')]);
    const record: RecordView = { payloads: { a: { sha256: 'a-sha', reverted: true }, b: { sha256: 'b-sha', reverted: false } }, applied: [] };
    const status = await hostStatus('h', [p('a', 'CHECKED'), p('b', 'CHECKED')], path, record);
    expect(status.anomalies.map((x) => [x.kind, x.name])).toEqual([['stale-checked', 'a']]);
  });

  it('shows the patch level: the apply order from the record, the top, the advisories, .modinfo from the record where the list has none', async () => {
    await change('load', 'a', 'done', [p('a', 'APPLIED')]);
    await change('load', 'b', 'done', [p('a', 'APPLIED'), p('b', 'APPLIED')]);
    await change('upload', 'c', 'done', [p('a', 'APPLIED'), p('b', 'APPLIED'), p('c', 'CHECKED')]);
    const record: RecordView = {
      payloads: { a: { sha256: 'a-sha', modinfo: ['XSA=1'] }, b: { sha256: 'b-sha' }, c: { sha256: 'c-sha', modinfo: ['XSA=3'] } },
      applied: ['a', 'gone', 'b'],
    };
    // Xen before 4.14 lists no metadata: a's comes from the record; b's from the list.
    const status = await hostStatus('h', [p('a', 'APPLIED'), p('b', 'APPLIED', ['XSA=2', 'CVE=CVE-2026-2']), p('c', 'CHECKED')], path, record);
    expect(status.patchLevel).toEqual({ order: ['a', 'b'], unplaced: [], top: 'b', advisories: { xsa: ['1', '2'], cve: ['CVE-2026-2'] } });
    expect(status.payloads.map((x) => x.advisories.xsa)).toEqual([['1'], ['2'], ['3']]);
  });

  it('reads XSA and CVE identifiers from .modinfo', () => {
    expect(advisories(['XSA=466', 'cve=CVE-2024-1, CVE-2024-2', 'VERSION=3', 'noequals'])).toEqual({ xsa: ['466'], cve: ['CVE-2024-1', 'CVE-2024-2'] });
  });
});

describe('xlp status and the bytes xlp can vouch for', () => {
  it('flags a payload xlp uploaded whose record is gone or differs, and one loaded outside xlp', async () => {
    await change('load', 'a', 'done', [p('a', 'APPLIED')]);
    await change('upload', 'b', 'done', [p('a', 'APPLIED'), p('b', 'CHECKED')]);
    const status = await hostStatus('h', [p('a', 'APPLIED'), p('b', 'CHECKED'), p('c', 'CHECKED')], path, recordOf({ a: 'a-sha', b: 'other-sha' }));
    expect(status.payloads.map((x) => [x.name, x.source, x.verified])).toEqual([['a', 'xlp', true], ['b', 'xlp', false], ['c', 'outside', false]]);
    expect(status.anomalies.map((x) => [x.kind, x.name])).toEqual([['unverified', 'b'], ['loaded-outside-xlp', 'c']]);
  });

  it('does not count the change a running xlp has under way as an anomaly', async () => {
    const seq = await change('load', 'a', 'interrupted');
    const running = { pid: 1, command: 'xlp load a', host: 'ctl', since: '2026-11-25T10:00:00Z' };
    const status = await hostStatus('h', [{ ...p('a', 'CHECKED'), rc: 11 }], path, recordOf({}), running);
    expect(status.inProgress).toEqual({ ...running, change: { operation: 'load', name: 'a', record: seq } });
    expect(status.anomalies).toEqual([]);
  });
});

/**
 * The simulated hypervisor's semantics (xen-livepatch.md §5 errno table, §6 state table, §7, §9),
 * through its exported hypercall functions on an in-memory state. Most payloads are described by
 * what the simulator's loader would make of them; the checks that depend on the host (Xen's
 * build-id, the payloads already loaded) run the real loader on real payloads.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Errno } from '../../src/model/errno.js';
import { CONSOLE_RING_BYTES } from '../../src/host/sim/console-ring.js';
import {
  MAX_PAYLOAD_SIZE,
  completeDueWork,
  dumpPayloads,
  hvAction,
  hvGet,
  hvList,
  hvUpload,
  type HvContext,
} from '../../src/host/sim/hypervisor.js';
import { APPLIED, CHECKED, freshState, type SimFault, type SimState } from '../../src/host/sim/state.js';
import { Refusal, loadPayload, type LoadOutcome } from '../../src/host/sim/elf/load-payload.js';
import { parseXenVersion } from '../../src/host/sim/xen-version.js';
import type { SimHookKind } from '../../src/host/sim/state.js';
import { readElf } from '../../src/payload/elf.js';
import { buildPayload, patched } from '../helpers/payloads.js';

const XEN = 'aa'.repeat(20);
const OTHER_XEN = 'bb'.repeat(20);

interface Spec {
  readonly id: string;
  readonly depends?: string;
  readonly hooks?: readonly SimHookKind[];
  readonly data?: boolean;
  readonly modinfo?: readonly string[];
  /** The loader refuses it with this errno and these console lines. */
  readonly refused?: { readonly errno: number; readonly console?: readonly string[] };
  readonly funcs?: number;
}

const outcomes = new Map<string, LoadOutcome>();

/** Bytes standing for a payload file; the stub loader maps them back to its outcome. */
function payload(spec: Spec): Uint8Array {
  const key = `payload:${JSON.stringify(spec)}`;
  const loaded = {
    buildId: spec.id,
    depends: spec.depends ?? XEN,
    xenDepends: XEN,
    metadata: [...(spec.modinfo ?? [])],
    safeToReapply: !spec.data,
    hooks: [...(spec.hooks ?? [])],
    funcs: Array.from({ length: spec.funcs ?? 1 }, (_, i) => ({ name: `fn${i}`, oldSize: 12, newSize: 10 })),
    size: key.length,
    sha256: '00'.repeat(32),
  };
  const refused = spec.refused && new Refusal(spec.refused.errno, 'test', 'test', spec.refused.console);
  outcomes.set(key, refused ? { refusal: refused } : { payload: loaded });
  return Buffer.from(key);
}

let state: SimState;
let now: number;
let version = parseXenVersion('4.17.7');

const ctx = (): HvContext => ({
  now,
  version,
  load: (_name, bytes) => outcomes.get(Buffer.from(bytes).toString()) ?? { refusal: new Refusal(Errno.EINVAL, 'livepatch_header_check: not ELF') },
});
/** The same hypervisor with the simulator's real loader. */
const realCtx = (): HvContext => ({ now, version, load: loadPayload });

const upload = (name: string, spec: Spec): number => hvUpload(state, ctx(), name, payload(spec));
const action = (name: string, what: Parameters<typeof hvAction>[3], nodeps = false): number => hvAction(state, ctx(), name, what, { nodeps });
const status = (name: string) => hvGet(state, ctx(), name);
/** Lets the scheduled action run, as the CPUs' rendezvous would. */
const settle = (): void => completeDueWork(state, now);
const newConsole = (from: number): string[] => state.console.slice(from);
const fault = (f: SimFault): void => {
  state.faults.push(f);
};
/** A payload stacked on `on`'s build-id (or on Xen when omitted), uploaded and applied. */
const applied = (name: string, id: string, on?: string): void => {
  expect(upload(name, { id, ...(on ? { depends: on } : {}) })).toBe(0);
  expect(action(name, 'apply')).toBe(0);
  settle();
};

beforeEach(() => {
  state = freshState({ buildId: XEN });
  now = 1_000_000;
  version = parseXenVersion('4.17.7');
});

describe('UPLOAD', () => {
  it('loads a payload as CHECKED with rc 0, in upload order, bumping the version', () => {
    expect(upload('b', { id: '02' })).toBe(0);
    expect(upload('a', { id: '01', modinfo: ['K=V'] })).toBe(0);
    const list = hvList(state, ctx());
    expect('payloads' in list && list.payloads.map((p) => [p.name, p.state, p.rc, p.metadata])).toEqual([
      ['b', CHECKED, 0, []],
      ['a', CHECKED, 0, ['K=V']],
    ]);
    expect(state.payloadVersion).toBe(3);
    expect(state.console).toEqual([]);
  });

  it('refuses an empty or oversized payload and names that do not fit 128 bytes with a NUL', () => {
    expect(hvUpload(state, ctx(), 'x', new Uint8Array(), 0)).toBe(Errno.EINVAL);
    expect(hvUpload(state, ctx(), 'x', payload({ id: '01' }), MAX_PAYLOAD_SIZE + 1)).toBe(Errno.EINVAL);
    expect(upload('n'.repeat(128), { id: '01' })).toBe(Errno.EINVAL);
    expect(upload('é'.repeat(64), { id: '01' })).toBe(Errno.EINVAL);
    expect(upload('n'.repeat(127), { id: '01' })).toBe(0);
  });

  it('refuses a second payload of the same name with EEXIST', () => {
    upload('a', { id: '01' });
    expect(upload('a', { id: '02' })).toBe(Errno.EEXIST);
  });

  it("answers the loader's refusal with its errno and console lines, creating nothing", () => {
    expect(upload('a', { id: '01', refused: { errno: Errno.EOPNOTSUPP } })).toBe(Errno.EOPNOTSUPP);
    expect(upload('b', { id: '02', refused: { errno: Errno.EINVAL, console: ['livepatch: b: why'] } })).toBe(Errno.EINVAL);
    expect(hvUpload(state, ctx(), 'c', Buffer.from('garbage'))).toBe(Errno.EINVAL);
    expect(state.payloads).toEqual([]);
    expect(state.console).toEqual(['(XEN) livepatch: b: why']);
  });

  it('stores what the loader kept: build-ids, metadata, hooks, functions, whether it has data', () => {
    expect(upload('p', { id: '01', depends: '02', modinfo: ['K=V'], hooks: ['preapply'], data: true, funcs: 2 })).toBe(0);
    expect(state.payloads[0]).toMatchObject({
      buildId: '01',
      depends: '02',
      xenDepends: XEN,
      metadata: ['K=V'],
      hooks: ['preapply'],
      hasData: true,
      funcs: [{ name: 'fn0', oldSize: 12, newSize: 10 }, { name: 'fn1', oldSize: 12, newSize: 10 }],
    });
  });
});

describe('UPLOAD of real payloads, through the simulator\'s loader', () => {
  let plain: Uint8Array;
  let otherXen: Uint8Array;
  let plainV1: Uint8Array;
  let otherXenV1: Uint8Array;
  /** `plain` with its .livepatch.xen_depends descriptor changed: same build-id, built for another Xen. */
  let sameIdOtherXen: Uint8Array;

  beforeAll(async () => {
    const bytes = async (options: Parameters<typeof buildPayload>[0]) => new Uint8Array(await readFile(await buildPayload(options)));
    plain = await bytes({ id: 'hv', xenBuildId: XEN });
    otherXen = await bytes({ id: 'hvo', returns: '-hvo', xenBuildId: XEN, xenDepends: OTHER_XEN });
    plainV1 = await bytes({ id: 'hv1', xenBuildId: XEN, modinfo: ['K=V'], payloadVersion: 1 });
    otherXenV1 = await bytes({ id: 'hvo1', returns: '-hvo1', xenBuildId: XEN, xenDepends: OTHER_XEN, payloadVersion: 1 });
    const note = readElf(plain).sections.find((s) => s.name === '.livepatch.xen_depends')!;
    // The descriptor follows the 12-byte header and "GNU\0".
    sameIdOtherXen = patched(plain, note.offset + 16, 0xbb, 1);
  });

  const uploadReal = (name: string, bytes: Uint8Array): number => hvUpload(state, realCtx(), name, bytes);

  it('refuses a build-id already loaded with EEXIST, silently, before the xen_depends check', () => {
    expect(uploadReal('a', plain)).toBe(0);
    expect(uploadReal('b', sameIdOtherXen)).toBe(Errno.EEXIST);
    expect(state.console).toEqual([]);
  });

  it('refuses a payload whose xen_depends is not the running Xen, logging it', () => {
    expect(uploadReal('badid', otherXen)).toBe(Errno.EINVAL);
    expect(state.console).toEqual(['(XEN) livepatch: badid: check against hypervisor build-id failed']);
  });

  it('answers ENODATA when Xen has no build-id', () => {
    state = freshState({ buildId: '' });
    expect(uploadReal('a', plain)).toBe(Errno.ENODATA);
  });

  it('before 4.14 ignores xen_depends and keeps no metadata', () => {
    version = parseXenVersion('4.13.5');
    expect(uploadReal('a', plainV1)).toBe(0);
    expect(uploadReal('b', otherXenV1)).toBe(0);
    expect(state.payloads[0]?.metadata).toEqual([]);
  });
});

describe('GET and LIST', () => {
  it('GET reports state and rc, ENOENT for an unknown name, EINVAL for one too long', () => {
    upload('a', { id: '01' });
    expect(status('a')).toEqual({ status: { state: CHECKED, rc: 0 } });
    expect(status('nosuch')).toEqual({ errno: Errno.ENOENT });
    expect(status('n'.repeat(128))).toEqual({ errno: Errno.EINVAL });
  });
});

describe('APPLY', () => {
  it('is asynchronous: rc is -EAGAIN until the rendezvous, then the payload is APPLIED', () => {
    upload('a', { id: '01', funcs: 2 });
    expect(action('a', 'apply')).toBe(0);
    expect(state.payloads[0]).toMatchObject({ state: CHECKED, rc: -Errno.EAGAIN });
    expect(state.pending).toEqual({ name: 'a', action: 'apply', completesAt: now, outcome: 'complete' });
    expect(status('a')).toEqual({ status: { state: APPLIED, rc: 0 } });
    expect(state.pending).toBeUndefined();
    expect(state.applied).toEqual(['a']);
    expect(state.console).toEqual([
      '(XEN) livepatch: a: Verifying enabled expectations for all functions',
      '(XEN) livepatch: a: Applying 2 functions',
      '(XEN) livepatch: a finished APPLY with rc=0',
    ]);
  });

  it('logs the module metadata when applied', () => {
    upload('m', { id: '01', modinfo: ['XSA=999', 'VERSION=1'] });
    action('m', 'apply');
    settle();
    expect(state.console.slice(2, 5)).toEqual([
      '(XEN) livepatch: module metadata:',
      '(XEN) livepatch:   XSA=999',
      '(XEN) livepatch:   VERSION=1',
    ]);
  });

  it('checks depends against Xen when nothing is applied, and against the top payload otherwise', () => {
    upload('stacked', { id: '02', depends: '01' });
    expect(action('stacked', 'apply')).toBe(Errno.EINVAL);
    expect(state.console).toEqual(['(XEN) livepatch: stacked: check against hypervisor build-id failed']);
    expect(status('stacked')).toEqual({ status: { state: CHECKED, rc: 0 } });
    applied('base', '01');
    upload('wrong', { id: '03' });
    const mark = state.console.length;
    expect(action('wrong', 'apply')).toBe(Errno.EINVAL);
    expect(newConsole(mark)).toEqual(['(XEN) livepatch: wrong: check against base build-id failed']);
    expect(action('stacked', 'apply')).toBe(0);
  });

  it('skips the stacking check with nodeps', () => {
    upload('stacked', { id: '02', depends: '01' });
    expect(action('stacked', 'apply', true)).toBe(0);
    settle();
    expect(status('stacked')).toEqual({ status: { state: APPLIED, rc: 0 } });
  });

  it('answers ENODATA when Xen has no build-id to check against', () => {
    upload('a', { id: '01' });
    state.xenBuildId = '';
    expect(action('a', 'apply')).toBe(Errno.ENODATA);
  });

  it('returns 0 and does nothing for an APPLIED payload', () => {
    applied('a', '01');
    const before = structuredClone(state);
    expect(action('a', 'apply')).toBe(0);
    expect(state).toEqual(before);
  });

  it('refuses to re-apply a reverted payload that has data: async EINVAL, kept until the next action', () => {
    upload('d', { id: '01', data: true });
    action('d', 'apply');
    settle();
    action('d', 'revert');
    settle();
    const mark = state.console.length;
    expect(action('d', 'apply')).toBe(0);
    settle();
    expect(status('d')).toEqual({ status: { state: CHECKED, rc: -Errno.EINVAL } });
    expect(newConsole(mark)).toEqual(["(XEN) livepatch: d: can't revert as payload has .data. Please unload"]);
    expect(action('d', 'unload')).toBe(0);
  });

  it('re-applies a reverted payload whose only writable section is .livepatch.funcs', () => {
    applied('f', '01');
    action('f', 'revert');
    settle();
    expect(action('f', 'apply')).toBe(0);
    settle();
    expect(status('f')).toEqual({ status: { state: APPLIED, rc: 0 } });
  });

  it('runs hooks: pre-apply in the hypercall, the apply action hook instead of patching, post-apply after', () => {
    upload('h', { id: '01', hooks: ['preapply', 'apply', 'postapply'] });
    action('h', 'apply');
    settle();
    expect(state.console).toEqual([
      '(XEN) livepatch: h: Verifying enabled expectations for all functions',
      '(XEN) livepatch: h: Calling pre-apply hook function',
      '(XEN) livepatch: h: Calling apply action hook function',
      '(XEN) livepatch: h: Calling post-apply hook function with rc=0',
      '(XEN) livepatch: h finished APPLY with rc=0',
    ]);
  });
});

describe('REVERT', () => {
  it('reverts only the top of the stack; others get EBUSY', () => {
    applied('one', '01');
    applied('two', '02', '01');
    const mark = state.console.length;
    expect(action('one', 'revert')).toBe(Errno.EBUSY);
    expect(newConsole(mark)).toEqual(["(XEN) livepatch: one: can't unload. Top is two"]);
    expect(action('two', 'revert')).toBe(0);
    settle();
    expect(status('two')).toEqual({ status: { state: CHECKED, rc: 0 } });
    expect(state.applied).toEqual(['one']);
    expect(state.payloads.find((p) => p.name === 'two')?.reverted).toBe(true);
    expect(newConsole(mark).slice(1)).toEqual(['(XEN) livepatch: two: Reverting', '(XEN) livepatch: two finished REVERT with rc=0']);
  });

  it('returns 0 and does nothing for a CHECKED payload', () => {
    upload('a', { id: '01' });
    const before = structuredClone(state);
    expect(action('a', 'revert')).toBe(0);
    expect(state).toEqual(before);
  });
});

describe('UNLOAD', () => {
  it('frees a CHECKED payload at once and refuses an APPLIED one with EINVAL', () => {
    upload('a', { id: '01' });
    applied('b', '02');
    expect(action('b', 'unload')).toBe(Errno.EINVAL);
    expect(action('a', 'unload')).toBe(0);
    expect(status('a')).toEqual({ errno: Errno.ENOENT });
    expect(state.payloadVersion).toBe(4);
    expect(action('nosuch', 'unload')).toBe(Errno.ENOENT);
  });
});

describe('REPLACE', () => {
  it('reverts every applied payload newest first, then applies this one; the others stay CHECKED', () => {
    applied('one', '01');
    applied('two', '02', '01');
    upload('cumulative', { id: '03', modinfo: ['XSA=999'] });
    const mark = state.console.length;
    expect(action('cumulative', 'replace')).toBe(0);
    settle();
    expect(state.applied).toEqual(['cumulative']);
    expect(state.payloads.map((p) => [p.name, p.state, p.rc])).toEqual([
      ['one', CHECKED, 0],
      ['two', CHECKED, 0],
      ['cumulative', APPLIED, 0],
    ]);
    expect(newConsole(mark)).toEqual([
      '(XEN) livepatch: two: Reverting',
      '(XEN) livepatch: one: Reverting',
      '(XEN) livepatch: cumulative: Verifying enabled expectations for all functions',
      '(XEN) livepatch: cumulative: Applying 1 functions',
      '(XEN) livepatch: module metadata:',
      '(XEN) livepatch:   XSA=999',
      '(XEN) livepatch: cumulative finished REPLACE with rc=0',
    ]);
  });

  it("always checks depends against Xen's build-id", () => {
    applied('one', '01');
    upload('onTop', { id: '02', depends: '01' });
    expect(action('onTop', 'replace')).toBe(Errno.EINVAL);
    expect(state.console.at(-1)).toBe('(XEN) livepatch: onTop: check against hypervisor build-id failed');
  });

  it('is refused with EOPNOTSUPP when this or an applied payload has vetoing hooks', () => {
    upload('vetoing', { id: '01', hooks: ['prerevert'] });
    expect(action('vetoing', 'replace')).toBe(Errno.EOPNOTSUPP);
    expect(state.console.at(-1)).toBe('(XEN) livepatch: vetoing: REPLACE action is not supported on livepatches with vetoing hooks!');
    expect(action('vetoing', 'apply')).toBe(0);
    settle();
    upload('plain', { id: '02' });
    expect(action('plain', 'replace')).toBe(Errno.EOPNOTSUPP);
  });

  it('returns 0 and does nothing for an APPLIED payload', () => {
    applied('a', '01');
    expect(action('a', 'replace')).toBe(0);
    expect(state.pending).toBeUndefined();
  });
});

describe('one action at a time', () => {
  beforeEach(() => {
    upload('a', { id: '01' });
    upload('b', { id: '02' });
    upload('c', { id: '03' });
    fault({ kind: 'incomplete', durationMs: 500 });
    expect(action('a', 'apply')).toBe(0);
  });

  it('refuses another action on the same payload with EBUSY while its own shows rc -EAGAIN', () => {
    expect(status('a')).toEqual({ status: { state: CHECKED, rc: -Errno.EAGAIN } });
    expect(action('a', 'unload')).toBe(Errno.EBUSY);
  });

  it("refuses another payload's action with EBUSY and, like Xen, leaves that payload's rc at -EAGAIN", () => {
    expect(action('b', 'apply')).toBe(Errno.EBUSY);
    expect(status('b')).toEqual({ status: { state: CHECKED, rc: -Errno.EAGAIN } });
  });

  it('still unloads another CHECKED payload, which needs no rendezvous', () => {
    expect(action('c', 'unload')).toBe(0);
  });

  it('completes by wall-clock time', () => {
    now += 499;
    settle();
    expect(status('a')).toEqual({ status: { state: CHECKED, rc: -Errno.EAGAIN } });
    now += 1;
    expect(status('a')).toEqual({ status: { state: APPLIED, rc: 0 } });
  });
});

describe('faults', () => {
  it('rendezvous-busy: the action ends with rc -EBUSY and changes nothing', () => {
    upload('a', { id: '01' });
    fault({ kind: 'rendezvous-busy', name: 'a' });
    expect(action('a', 'apply')).toBe(0);
    settle();
    expect(status('a')).toEqual({ status: { state: CHECKED, rc: -Errno.EBUSY } });
    expect(state.applied).toEqual([]);
    expect(state.console.slice(1)).toEqual([
      '(XEN) livepatch: a: Timed out on semaphore in CPU quiesce phase 0/1',
      '(XEN) livepatch: a finished APPLY with rc=-16',
    ]);
  });

  it('sync-errno: the hypercall fails with the errno and nothing changes; GET and LIST are untouched by default', () => {
    fault({ kind: 'sync-errno', errno: Errno.ENOMEM });
    expect(hvList(state, ctx())).toEqual({ payloads: [] });
    expect(upload('a', { id: '01' })).toBe(Errno.ENOMEM);
    expect(upload('a', { id: '01' })).toBe(0);
    fault({ kind: 'sync-errno', errno: Errno.EBUSY, action: 'apply', name: 'a' });
    expect(status('a')).toEqual({ status: { state: CHECKED, rc: 0 } });
    expect(action('a', 'apply')).toBe(Errno.EBUSY);
    expect(status('a')).toEqual({ status: { state: CHECKED, rc: 0 } });
    fault({ kind: 'sync-errno', errno: Errno.EACCES, action: 'list' });
    expect(hvList(state, ctx())).toEqual({ errno: Errno.EACCES });
  });

  it('no-livepatch: every hypercall answers ENOSYS while the fault lasts', () => {
    fault({ kind: 'no-livepatch', persistent: true });
    expect(hvList(state, ctx())).toEqual({ errno: Errno.ENOSYS });
    expect(status('a')).toEqual({ errno: Errno.ENOSYS });
    expect(upload('a', { id: '01' })).toBe(Errno.ENOSYS);
    expect(action('a', 'apply')).toBe(Errno.ENOSYS);
    expect(state.faults).toHaveLength(1);
  });

  it('hook-veto: the pre-apply hook fails, the hypercall returns its errno and rc keeps it', () => {
    upload('a', { id: '01' });
    fault({ kind: 'hook-veto', errno: Errno.EPERM });
    expect(action('a', 'apply')).toBe(Errno.EPERM);
    expect(status('a')).toEqual({ status: { state: CHECKED, rc: -Errno.EPERM } });
    expect(state.console.slice(1)).toEqual([
      '(XEN) livepatch: a: Calling pre-apply hook function',
      '(XEN) livepatch: a: pre-apply hook failed (rc=-1), aborting!',
    ]);
  });

  it('consumes faults in order, by count, only where name and action match', () => {
    upload('a', { id: '01' });
    upload('b', { id: '02' });
    const EIO = 5;
    fault({ kind: 'sync-errno', errno: EIO, name: 'b', count: 2 });
    fault({ kind: 'sync-errno', errno: Errno.ENOMEM, action: 'unload' });
    expect(action('a', 'revert')).toBe(0);
    expect(action('a', 'unload')).toBe(Errno.ENOMEM);
    expect(action('b', 'unload')).toBe(EIO);
    expect(action('b', 'unload')).toBe(EIO);
    expect(action('b', 'unload')).toBe(0);
    expect(state.faults).toEqual([]);
  });
});

describe('console', () => {
  it("debug key 'x' dumps Xen's build-id and each payload's state, build-id and dependencies", () => {
    applied('one', '01');
    upload('two', { id: '02', depends: '01', modinfo: ['K=V'] });
    const mark = state.console.length;
    dumpPayloads(state, version);
    const dump = newConsole(mark);
    expect(dump[0]).toBe("(XEN) 'x' pressed - Dumping all livepatch patches");
    expect(dump[1]).toBe(`(XEN) build-id: ${XEN}`);
    expect(dump[2]).toMatch(/^\(XEN\) {2}name=one state=APPLIED\(2\) [0-9a-f]{16} \(\.data=[0-9a-f]{16}, \.rodata=[0-9a-f]{16}\) using \d+ pages\.$/);
    expect(dump[3]).toMatch(/^\(XEN\) {5}fn0 patch [0-9a-f]{16}\(12\) with [0-9a-f]{16} \(10\)$/);
    expect(dump.slice(4, 7)).toEqual(['(XEN) build-id=01', `(XEN) depend-on=${XEN}`, `(XEN) depend-on-xen=${XEN}`]);
    expect(dump[7]).toMatch(/^\(XEN\) {2}name=two state=CHECKED\(1\) /);
    expect(dump.slice(8, 10)).toEqual(['(XEN) livepatch: module metadata:', '(XEN) livepatch:   K=V']);
    expect(dump).toContain('(XEN) depend-on=01');
  });

  it('keeps the ring bounded, dropping the oldest lines', () => {
    upload('a', { id: '01' });
    for (let i = 0; i < 400; i++) {
      action('a', 'apply');
      settle();
      action('a', 'revert');
      settle();
    }
    const bytes = state.console.reduce((n, line) => n + line.length + 1, 0);
    expect(bytes).toBeLessThanOrEqual(CONSOLE_RING_BYTES);
    expect(state.console.at(-1)).toBe('(XEN) livepatch: a finished REVERT with rc=0');
  });
});

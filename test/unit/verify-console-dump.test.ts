import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/host/backend.js';
import type { PayloadStatus } from '../../src/model/types.js';
import { parseLivepatchDump } from '../../src/verify/console-dump.js';
import { gatherHostView, hypervisorBuildId } from '../../src/verify/host-view.js';
import { emptyRecord, type HostRecord } from '../../src/verify/store.js';
import { memoryRecords } from '../helpers/memory-records.js';

const XEN = '151b373fd64b321593bf987fd923cd10dabadac4';
const A = '86723482f318831d5f99db5ff33e9d755f60c352';
const B = 'd87af5fb195d78490d138eecba2ccef610dbf7b8';

/** Lines as Xen 4.17's livepatch_printall prints them, behind the console prefix. */
const dump417 = (payloads: string): string =>
  [
    "(XEN) 'x' pressed - Dumping all livepatch patches",
    `(XEN) build-id: ${XEN}`,
    payloads,
  ].join('\n');

const payloadA = [
  '(XEN)  name=xsa-a state=APPLIED(2) ffff82d040800000 (.data=ffff82d040801000, .rodata=ffff82d040802000) using 3 pages.',
  '(XEN)     xen_extra_version patch ffff82d040234560(12) with ffff82d040800000 (15)',
  `(XEN) build-id=${A}`,
  `(XEN) depend-on=${XEN}`,
  `(XEN) depend-on-xen=${XEN}`,
].join('\n');
const payloadB = [
  '(XEN)  name=xsa-b state=CHECKED(1) ffff82d040900000 (.data=ffff82d040901000, .rodata=ffff82d040902000) using 3 pages.',
  '(XEN) livepatch: module metadata:',
  '(XEN) livepatch:   XSA=2',
  `(XEN) build-id=${B}`,
  `(XEN) depend-on=${A}`,
].join('\n');

/** Captured from a real Xen 4.17.7 (Debian) under QEMU: `xl debug-keys x; xl dmesg`, r2 stacked on r1. */
const REAL_4_17 = `(XEN) livepatch: r1 finished APPLY with rc=0
(XEN) 'x' pressed - Dumping all livepatch patches
(XEN) build-id: 151b373fd64b321593bf987fd923cd10dabadac4
(XEN)  name=r1 state=APPLIED(2) ffff82d0405b0000 (.data=ffff82d0405b1000, .rodata=ffff82d0405b2000) using 3 pages.
(XEN) livepatch: module metadata:
(XEN) livepatch:   XSA=1
(XEN)     xen_extra_version patch ffff82d040234b20(12) with ffff82d0405b0000 (15)
(XEN) build-id=c45a86860e63787967289d8c8b8babd24124c019
(XEN) depend-on=151b373fd64b321593bf987fd923cd10dabadac4
(XEN) depend-on-xen=151b373fd64b321593bf987fd923cd10dabadac4
(XEN)  name=r2 state=CHECKED(1) ffff82d0405b4000 (.data=ffff82d0405b5000, .rodata=ffff82d0405b6000) using 3 pages.
(XEN)     xen_extra_version patch ffff82d040234b20(12) with ffff82d0405b4000 (15)
(XEN) build-id=3fb912eb15e629e8a583084240faa90c7ca284a5
(XEN) depend-on=c45a86860e63787967289d8c8b8babd24124c019
(XEN) depend-on-xen=151b373fd64b321593bf987fd923cd10dabadac4
`;

describe('parseLivepatchDump', () => {
  it('reads what a real Xen 4.17 prints', () => {
    expect(parseLivepatchDump(REAL_4_17)).toEqual({
      xenBuildId: XEN,
      payloads: [
        { name: 'r1', state: 'APPLIED', buildId: 'c45a86860e63787967289d8c8b8babd24124c019', depends: XEN, xenDepends: XEN },
        { name: 'r2', state: 'CHECKED', buildId: '3fb912eb15e629e8a583084240faa90c7ca284a5', depends: 'c45a86860e63787967289d8c8b8babd24124c019', xenDepends: XEN },
      ],
    });
  });

  it('reads the hypervisor and every payload with its build-ids, in upload order', () => {
    expect(parseLivepatchDump(`(XEN) Xen version 4.17.7\n${dump417(`${payloadA}\n${payloadB}`)}\n`)).toEqual({
      xenBuildId: XEN,
      payloads: [
        { name: 'xsa-a', state: 'APPLIED', buildId: A, depends: XEN, xenDepends: XEN },
        { name: 'xsa-b', state: 'CHECKED', buildId: B, depends: A },
      ],
    });
  });

  it('uses only the last dump, so payloads unloaded since an earlier dump are not resurrected', () => {
    const text = `${dump417(`${payloadA}\n${payloadB}`)}\n(XEN) livepatch: xsa-b unloaded\n${dump417(payloadA)}`;
    expect(parseLivepatchDump(text)?.payloads.map((p) => p.name)).toEqual(['xsa-a']);
  });

  it('takes console timestamps, CRLF, older "using N functions:" lines and interleaved console noise', () => {
    const text = [
      "(XEN) [  123.456789] 'x' pressed - Dumping all livepatch patches\r",
      `(XEN) [  123.456790] build-id: ${XEN}\r`,
      '(XEN) [  123.456791]  name=old state=CHECKED(1) ffff82d040800000 (.data=ffff82d040801000, .rodata=ffff82d040802000) using 1 functions:\r',
      '(XEN) [  123.456792] d0v0 some other subsystem speaks\r',
      `(XEN) [  123.456793] build-id=${A}\r`,
      `(XEN) [  123.456794] depend-on=${XEN}\r`,
    ].join('\n');
    expect(parseLivepatchDump(text)).toEqual({ xenBuildId: XEN, payloads: [{ name: 'old', state: 'CHECKED', buildId: A, depends: XEN }] });
  });

  it('has no view when there is no dump, or when Xen could not take its payload lock', () => {
    expect(parseLivepatchDump('(XEN) Xen version 4.17.7\n(XEN) livepatch: xsa-a: Applying 1 functions\n')).toBeUndefined();
    expect(parseLivepatchDump(`${dump417('')}\n(XEN) Lock held. Try again.`)).toBeUndefined();
  });

  it('reads a host without payloads and a Xen without build-id', () => {
    expect(parseLivepatchDump("(XEN) 'x' pressed - Dumping all livepatch patches\n")).toEqual({ payloads: [] });
  });
});

describe('gatherHostView', () => {
  const listed: PayloadStatus[] = [
    { name: 'xsa-a', state: 'APPLIED', rc: 0, metadata: [] },
    { name: 'xsa-b', state: 'CHECKED', rc: 0, metadata: [] },
  ];
  const storeWith = (record: HostRecord) => memoryRecords('h', record);
  const backendWith = (console: string | undefined): Backend & { consoleReads: number; xlInfoCalls: number } => {
    const backend = {
      consoleReads: 0,
      xlInfoCalls: 0,
      host: 'h',
      description: 'test',
      close: async () => {},
      removeLeftovers: async () => [],
      list: async () => listed,
      upload: async () => ({ stdout: '', stderr: '', exitCode: 0 }),
      action: async () => ({ outcome: 'done' as const, output: { stdout: '', stderr: '', exitCode: 0 } }),
      hypervisorBuildId: async () => {
        backend.xlInfoCalls++;
        return XEN;
      },
      livepatchConsole: async () => {
        backend.consoleReads++;
        return console;
      },
    };
    return backend;
  };

  it('learns build-ids of payloads xlp did not upload from the console dump, but vouches for none of them', async () => {
    const backend = backendWith(dump417(`${payloadA}\n${payloadB}`));
    const view = await gatherHostView(backend, storeWith(emptyRecord('h')), listed);
    expect(view.known.get('xsa-b')).toEqual({ buildId: B, depends: A, source: 'console' });
    expect(view.vouched.size).toBe(0);
    expect(view.appliedOrder).toEqual(['xsa-a']);
    expect(view.notes).toEqual([]);
    // The dump names the hypervisor's build-id: no xl info is needed.
    expect([view.xenBuildId, backend.xlInfoCalls]).toEqual([XEN, 0]);
  });

  it("vouches for what xlp's record holds and the hypervisor confirms", async () => {
    const mine: HostRecord = { ...emptyRecord('h'), xenBuildId: XEN, payloads: { 'xsa-a': { sha256: 'a'.repeat(64), size: 1, buildId: A, depends: XEN, hooks: [], uploadedAt: '' } }, applied: ['xsa-a'] };
    const view = await gatherHostView(backendWith(dump417(`${payloadA}\n${payloadB}`)), storeWith(mine), listed);
    expect([...view.vouched.keys()]).toEqual(['xsa-a']);
    expect(view.vouched.get('xsa-a')?.sha256).toBe('a'.repeat(64));
  });

  it("prefers the hypervisor when xlp's record disagrees with it, and says so", async () => {
    const stale: HostRecord = {
      ...emptyRecord('h'),
      xenBuildId: XEN,
      payloads: { 'xsa-b': { sha256: 'f'.repeat(64), size: 1, buildId: 'ee'.repeat(20), depends: XEN, hooks: [], uploadedAt: '' } },
    };
    const view = await gatherHostView(backendWith(dump417(`${payloadA}\n${payloadB}`)), storeWith(stale), listed);
    expect(view.known.get('xsa-b')?.buildId).toBe(B);
    expect(view.vouched.has('xsa-b')).toBe(false);
    expect(view.notes.join('\n')).toMatch(/record of xsa-b .* disagrees with the hypervisor/);
  });

  it('says what it could not establish when the console cannot be read', async () => {
    const view = await gatherHostView(backendWith(undefined), storeWith(emptyRecord('h')), listed);
    expect(view.known.size).toBe(0);
    expect(view.notes).toEqual([
      "the hypervisor console dump (xl debug-keys x) was not available to cross-check xlp's record",
      'build-ids unknown for xsa-a, xsa-b (not uploaded by xlp, and not in the console dump)',
    ]);
  });

  it('does not touch the console of a host with nothing loaded', async () => {
    const backend = backendWith(dump417(''));
    await gatherHostView(backend, storeWith(emptyRecord('h')), []);
    expect(backend.consoleReads).toBe(0);
  });

  it('forgets a record made under another hypervisor build-id (a reboot into another Xen)', async () => {
    const old: HostRecord = { ...emptyRecord('h'), xenBuildId: 'dd'.repeat(20), payloads: { 'xsa-a': { sha256: 'f'.repeat(64), size: 1, buildId: A, hooks: [], uploadedAt: '' } }, applied: ['xsa-a'] };
    const view = await gatherHostView(backendWith(undefined), storeWith(old), listed);
    expect(view.known.has('xsa-a')).toBe(false);
  });

  it('asks xl info once per backend', async () => {
    let calls = 0;
    const backend = { ...backendWith(undefined), hypervisorBuildId: async () => (calls++, XEN) };
    await Promise.all([hypervisorBuildId(backend), hypervisorBuildId(backend)]);
    await hypervisorBuildId(backend);
    expect(calls).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { ExitCode, XlpError } from '../../src/errors.js';
import type { PayloadStatus } from '../../src/model/types.js';
import type { HostView, KnownPayload } from '../../src/verify/host-view.js';
import { runPreflight, type PreflightInput } from '../../src/verify/preflight.js';

const XEN = 'aa'.repeat(20);
const A = '0a'.repeat(20);
const B = '0b'.repeat(20);
const C = '0c'.repeat(20);

const status = (name: string, state: PayloadStatus['state']): PayloadStatus => ({ name, state, rc: 0, metadata: [] });
const known = (buildId: string, depends: string, hooks: KnownPayload['hooks'] = []): KnownPayload => ({ buildId, depends, hooks, source: 'record' });

function view(partial: Partial<HostView> = {}): HostView {
  return { xenBuildId: XEN, listed: [], known: new Map(), vouched: new Map(), appliedOrder: [], recordedStack: [], notes: [], ...partial };
}

function refusal(input: PreflightInput): XlpError {
  try {
    runPreflight(input);
  } catch (error) {
    if (error instanceof XlpError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('pre-flight for upload and load', () => {
  it('accepts a payload built for the running Xen, on an empty host', () => {
    const report = runPreflight({ operation: 'load', name: 'p', payload: { buildId: A, depends: XEN, xenDepends: XEN }, nodeps: false, view: view() });
    expect(report.unchecked).toEqual([]);
    expect(report.passed).toEqual(expect.arrayContaining(['xen_depends matches the running hypervisor', "depends is the hypervisor's build-id (nothing applied)"]));
  });

  it('refuses a xen_depends of another hypervisor, naming both build-ids', () => {
    const error = refusal({ operation: 'upload', name: 'p', payload: { buildId: A, depends: XEN, xenDepends: B }, nodeps: false, view: view() });
    expect(error.exitCode).toBe(ExitCode.REJECTED);
    expect(error.code).toBe('xen-build-id-mismatch');
    expect(error.message).toContain(B);
    expect(error.message).toContain(XEN);
    expect(error.hint).toContain(`--xen-depends ${XEN}`);
  });

  it('refuses every payload when Xen has no build-id (ENODATA)', () => {
    const error = refusal({ operation: 'upload', name: 'p', payload: { buildId: A, depends: XEN, xenDepends: XEN }, nodeps: false, view: view({ xenBuildId: '' }) });
    expect([error.code, error.errno]).toEqual(['xen-no-build-id', 61]);
  });

  it('refuses a build-id already loaded under another name (EEXIST)', () => {
    const v = view({ listed: [status('first', 'CHECKED')], known: new Map([['first', known(A, XEN)]]) });
    const error = refusal({ operation: 'upload', name: 'second', payload: { buildId: A, depends: XEN, xenDepends: XEN }, nodeps: false, view: v });
    expect([error.code, error.errno, error.exitCode]).toEqual(['duplicate-build-id', 17, ExitCode.REJECTED]);
    expect(error.message).toContain('already loaded as first');
  });

  it('says when loaded payloads have unknown build-ids instead of claiming no duplicate', () => {
    const v = view({ listed: [status('foreign', 'CHECKED')] });
    const report = runPreflight({ operation: 'upload', name: 'p', payload: { buildId: A, depends: XEN, xenDepends: XEN }, nodeps: false, view: v });
    expect(report.unchecked).toEqual(['duplicate build-id against foreign: their build-ids are unknown']);
    expect(report.passed).not.toContain('no loaded payload has the same build-id');
  });

  it('load: refuses a payload stacked on another payload when nothing is applied', () => {
    const error = refusal({ operation: 'load', name: 'p', payload: { buildId: B, depends: A, xenDepends: XEN }, nodeps: false, view: view() });
    expect(error.code).toBe('depends-mismatch');
    expect(error.message).toContain(A);
    expect(error.message).toContain(XEN);
  });

  it('load: refuses a payload whose depends is not the top of the stack, naming the top', () => {
    const v = view({
      listed: [status('a', 'APPLIED'), status('b', 'APPLIED')],
      known: new Map([['a', known(A, XEN)], ['b', known(B, A)]]),
      appliedOrder: ['a', 'b'],
    });
    const error = refusal({ operation: 'load', name: 'c', payload: { buildId: C, depends: A, xenDepends: XEN }, nodeps: false, view: v });
    expect(error.code).toBe('depends-mismatch');
    expect(error.message).toContain('top applied payload b');
    expect(error.message).toContain(B);
  });

  it('load: accepts the payload built on the top, and --nodeps leaves the stack check to the operator', () => {
    const v = view({ listed: [status('a', 'APPLIED')], known: new Map([['a', known(A, XEN)]]), appliedOrder: ['a'] });
    expect(runPreflight({ operation: 'load', name: 'b', payload: { buildId: B, depends: A, xenDepends: XEN }, nodeps: false, view: v }).passed).toContain('depends is the build-id of the top payload a');
    const nodeps = runPreflight({ operation: 'load', name: 'c', payload: { buildId: C, depends: XEN, xenDepends: XEN }, nodeps: true, view: v });
    expect(nodeps.unchecked).toEqual(['depends against the top of the stack: skipped by --nodeps']);
  });

  it('reports an unknown stack order rather than guessing the top', () => {
    const v = view({
      listed: [status('a', 'APPLIED'), status('b', 'APPLIED')],
      known: new Map([['a', known(A, XEN)], ['b', known(B, A)]]),
      appliedOrder: undefined,
    });
    const report = runPreflight({ operation: 'load', name: 'c', payload: { buildId: C, depends: B, xenDepends: XEN }, nodeps: false, view: v });
    expect(report.unchecked.join()).toMatch(/2 payloads are applied \(a, b\) and xlp does not know their order/);
  });
});

describe('pre-flight for apply and replace by name', () => {
  const stacked = view({
    listed: [status('a', 'APPLIED'), status('b', 'CHECKED'), status('cum', 'CHECKED')],
    known: new Map([['a', known(A, XEN)], ['b', known(B, A)], ['cum', known(C, XEN)]]),
    appliedOrder: ['a'],
  });

  it('replace: refuses a payload whose depends is not the hypervisor, even on the right top', () => {
    const error = refusal({ operation: 'replace', name: 'b', payload: known(B, A), nodeps: false, view: stacked });
    expect(error.code).toBe('depends-mismatch');
    expect(error.message).toMatch(/replace needs the hypervisor's build-id/);
    expect(error.exitCode).toBe(ExitCode.REJECTED);
  });

  it('replace: accepts a cumulative payload built on the hypervisor', () => {
    const report = runPreflight({ operation: 'replace', name: 'cum', payload: known(C, XEN), nodeps: false, view: stacked });
    expect(report.passed).toContain("depends is the hypervisor's build-id, as replace requires");
    expect(report.passed).toContain('no pre/post hooks in the way of replace');
  });

  it('replace: refuses while an applied payload has vetoing hooks (EOPNOTSUPP)', () => {
    const hooked = view({ ...stacked, known: new Map([['a', known(A, XEN, ['preapply'])], ['cum', known(C, XEN)]]) });
    const error = refusal({ operation: 'replace', name: 'cum', payload: known(C, XEN), nodeps: false, view: hooked });
    expect([error.code, error.errno]).toEqual(['replace-vetoing-hooks', 95]);
  });

  it('apply: checks against the top and ignores the payload itself when it is already applied', () => {
    expect(runPreflight({ operation: 'apply', name: 'b', payload: known(B, A), nodeps: false, view: stacked }).passed).toContain('depends is the build-id of the top payload a');
    // Xen answers "No action needed." for an applied payload: nothing to refuse.
    expect(runPreflight({ operation: 'apply', name: 'a', payload: known(A, XEN), nodeps: false, view: stacked })).toEqual({ passed: [], unchecked: [] });
  });

  it('apply of a payload xlp knows nothing about: says what could not be checked', () => {
    const report = runPreflight({ operation: 'apply', name: 'foreign', nodeps: false, view: stacked });
    expect(report.passed).toEqual([]);
    expect(report.unchecked).toEqual(['build-ids of foreign: xlp did not upload it and the hypervisor console did not show it']);
  });
});

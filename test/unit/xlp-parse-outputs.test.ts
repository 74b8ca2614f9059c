import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/model/vocabulary.js';
import { findFailure } from '../../src/host/xen-livepatch/diagnose.js';
import { actionOutcome, uploadSucceeded } from '../../src/host/xen-livepatch/outcome.js';
import { parseBuildId } from '../../src/host/xen-livepatch/parse-xl-info.js';
import { G1, G2, G2_HELP, noHandle, out } from '../helpers/xen-outputs.js';

const ACTIONS: Action[] = ['apply', 'revert', 'unload', 'replace'];
const FILE = '/run/xlp/stage-1/xsa.livepatch';

describe('success is recognised from the exact text, in every generation', () => {
  it.each(ACTIONS)('%s: "<Verb> <name>... completed" (4.9+) and "Performing <action>:. completed" (4.7-4.8) are done', (action) => {
    expect(actionOutcome(action, 'xsa', G2.done(action, 'xsa'))).toBe('done');
    expect(actionOutcome(action, 'xsa', G1.done(action, 1))).toBe('done');
    expect(actionOutcome(action, 'xsa', G1.done(action, 7))).toBe('done');
  });

  it('reads "No action needed." (4.9+) and "No action needed" (4.7-4.8) as unchanged', () => {
    expect(actionOutcome('apply', 'xsa', G2.noActionNeeded())).toBe('unchanged');
    expect(actionOutcome('revert', 'xsa', G1.noActionNeeded())).toBe('unchanged');
  });

  it('reads the real Xen 4.17 replace output as done', () => {
    expect(actionOutcome('replace', 'xenlab3', out('Replacing all live patches with xenlab3... completed\n'))).toBe('done');
  });

  it('does not take a completion for another payload or another action as success', () => {
    expect(actionOutcome('apply', 'xsa', G2.done('apply', 'xsa2'))).toBeUndefined();
    expect(actionOutcome('apply', 'xsa', G2.done('revert', 'xsa'))).toBeUndefined();
    expect(actionOutcome('apply', 'xsa', G1.done('revert'))).toBeUndefined();
  });

  it('never takes exit status 0 alone as success', () => {
    expect(actionOutcome('apply', 'xsa', noHandle())).toBeUndefined();
    expect(actionOutcome('apply', 'xsa', out(''))).toBeUndefined();
    expect(actionOutcome('apply', 'xsa', out('Applying xsa... \n'))).toBeUndefined();
    expect(uploadSucceeded(FILE, noHandle())).toBe(false);
    expect(uploadSucceeded(FILE, out(''))).toBe(false);
  });

  it('does not take success text with a failing exit status as success', () => {
    expect(actionOutcome('apply', 'xsa', { ...G2.done('apply', 'xsa'), exitCode: 1 })).toBeUndefined();
    expect(uploadSucceeded(FILE, { ...G2.uploaded(FILE), exitCode: 2 })).toBe(false);
  });

  it('recognises an upload of this very file, in both wordings', () => {
    expect(uploadSucceeded(FILE, G2.uploaded(FILE))).toBe(true);
    expect(uploadSucceeded(FILE, G1.uploaded(FILE, 2256))).toBe(true);
    expect(uploadSucceeded(FILE, G2.uploaded('/tmp/other.livepatch'))).toBe(false);
    expect(uploadSucceeded(FILE, G2.uploadFailed(FILE, 17))).toBe(false);
    expect(uploadSucceeded(FILE, G1.uploadFailed(FILE, 2256, 17))).toBe(false);
  });

  it('accepts an upload whose only complaint is a failed munmap, which changes nothing', () => {
    const output = out(`Uploading ${FILE}... completed\n`, `Could not unmap ${FILE}.\nError 22: Invalid argument\n`);
    expect(uploadSucceeded(FILE, output)).toBe(true);
  });
});

describe('findFailure, Xen 4.9+', () => {
  it('reads the hypercall errno after "... failed"', () => {
    expect(findFailure(G2.uploadFailed(FILE, 17))).toEqual({ kind: 'errno', errno: 17, step: 'operation' });
    expect(findFailure(G2.actionFailed('apply', 'xsa', 22))).toEqual({ kind: 'errno', errno: 22, step: 'operation' });
  });

  it('reads the real Xen 4.17 revert of a payload that is not on top (EBUSY, exit 2)', () => {
    const output = out('Reverting xenlab1... failed\n', 'Error 16: Device or resource busy\n', 2);
    expect(findFailure(output)).toEqual({ kind: 'errno', errno: 16, step: 'operation' });
  });

  it('tells a GET of the status from the action itself', () => {
    // Real Xen 4.17: revert of a name that is not loaded.
    const output = out('', 'Failed to get status of nosuchpatch.\nError 2: No such file or directory\n', 1);
    expect(findFailure(output)).toEqual({ kind: 'errno', errno: 2, step: 'status' });
  });

  it.each([
    ['open', 'open'],
    ['get size of', 'size'],
    ['map', 'map'],
  ] as const)('reads "Could not %s <file>." as a file error', (step, fileStep) => {
    expect(findFailure(G2.fileFailed(step, FILE, 22))).toEqual({ kind: 'errno', errno: 22, step: 'file', fileStep });
  });

  it('ignores the Error line of a failed munmap and keeps the upload error', () => {
    const output = out(`Uploading ${FILE}... failed\n`, `Error 17: File exists\nCould not unmap ${FILE}.\nError 22: Invalid argument\n`, 1);
    expect(findFailure(output)).toEqual({ kind: 'errno', errno: 17, step: 'operation' });
  });

  it('reads list errors', () => {
    expect(findFailure(G2.listSizesFailed(38))).toEqual({ kind: 'errno', errno: 38, step: 'list' });
    expect(findFailure(G2.listFailed(3, 5, 16))).toEqual({ kind: 'errno', errno: 16, step: 'list' });
  });

  it('tells the two in-flight messages apart', () => {
    expect(findFailure(G2.inProgress('apply'))).toEqual({ kind: 'in-progress' });
    expect(findFailure(G2.incomplete('revert', 'xsa'))).toEqual({ kind: 'incomplete' });
  });

  it('reads the wrong-state message before and after the action', () => {
    // Real Xen 4.17: unload of an applied payload.
    expect(findFailure(G2.wrongStateBefore('xenlab1', 'APPLIED', 'CHECKED'))).toEqual({ kind: 'wrong-state', current: 'APPLIED', expected: 'CHECKED' });
    expect(findFailure(G2.wrongStateAfter('apply', 'xsa', 'CHECKED', 'APPLIED'))).toEqual({ kind: 'wrong-state', current: 'CHECKED', expected: 'APPLIED' });
  });

  it.each([
    ['an unsupported flag', G2.unsupportedFlag('--force'), 'Unsupported flag: --force.'],
    ['an over-long name', G2.nameTooLong(), 'ID must be no more than 128 characters.'],
    ['an unknown command', G2.unrecognisedCommand('status'), "Unrecognised command 'status' -- try 'xen-livepatch help'"],
    ['the help text', G2_HELP, 'xen-livepatch: live patching tool'],
    ['the 4.7 help text', out('', 'xen-livepatch: live patching test tool\nUsage: xen-livepatch <command> [args]\n', 1), 'xen-livepatch: live patching test tool'],
  ])('reads %s as a usage refusal', (_what, output, line) => {
    expect(findFailure(output)).toEqual({ kind: 'usage', line });
  });

  it('reports the first failure of a load: the apply error, not the unload after it', () => {
    const failedApply = out(`Uploading ${FILE}... completed\nApplying xsa... failed\nUnloading xsa... completed\n`, 'Error 22: Invalid argument\n', 1);
    expect(findFailure(failedApply)).toEqual({ kind: 'errno', errno: 22, step: 'operation' });
    const stuckApply = out(
      `Uploading ${FILE}... completed\nApplying xsa... failed\n`,
      "Operation didn't complete.\nCannot execute unload.\nOperation already in progress.\n",
      2,
    );
    expect(findFailure(stuckApply)).toEqual({ kind: 'incomplete' });
    expect(findFailure(out(`Uploading ${FILE}... failed\n`, 'Error 17: File exists\n', 1))).toEqual({ kind: 'errno', errno: 17, step: 'operation' });
  });

  it('finds nothing in success output, so success is never mistaken for failure either', () => {
    expect(findFailure(G2.done('apply', 'xsa'))).toBeUndefined();
    expect(findFailure(G2.uploaded(FILE))).toBeUndefined();
  });
});

describe('findFailure, Xen 4.7-4.8', () => {
  it('reads errno and message from one line', () => {
    expect(findFailure(G1.uploadFailed(FILE, 2256, 17))).toEqual({ kind: 'errno', errno: 17, step: 'operation' });
    expect(findFailure(G1.actionFailed('apply', 'xsa', 22))).toEqual({ kind: 'errno', errno: 22, step: 'operation' });
    expect(findFailure(G1.statusFailed('xsa', 2))).toEqual({ kind: 'errno', errno: 2, step: 'status' });
    expect(findFailure(G1.listFailed(0, 0, 38))).toEqual({ kind: 'errno', errno: 38, step: 'list' });
  });

  it('reads the three file errors', () => {
    expect(findFailure(G1.openFailed(FILE, 2))).toEqual({ kind: 'errno', errno: 2, step: 'file', fileStep: 'open' });
    expect(findFailure(G1.sizeFailed(FILE, 13))).toEqual({ kind: 'errno', errno: 13, step: 'file', fileStep: 'size' });
    expect(findFailure(G1.mapFailed(FILE, 22))).toEqual({ kind: 'errno', errno: 22, step: 'file', fileStep: 'map' });
  });

  it('reads the in-flight messages, the wrong-state line on stdout and the name limit', () => {
    expect(findFailure(G1.inProgress('xsa'))).toEqual({ kind: 'in-progress' });
    expect(findFailure(G1.timedOut('apply', 'xsa'))).toEqual({ kind: 'incomplete' });
    expect(findFailure(G1.wrongState('xsa', 'APPLIED', 'unknown'))).toEqual({ kind: 'wrong-state', current: 'APPLIED', expected: 'unknown' });
    expect(findFailure(G1.nameTooLong())).toEqual({ kind: 'usage', line: 'ID MUST be 128 characters!' });
  });
});

describe('findFailure, whatever the generation', () => {
  it('reads "failed to get the handler" (exit status 0) with the errno of libxc\'s line', () => {
    expect(findFailure(noHandle())).toEqual({
      kind: 'no-handle',
      errno: 2,
      line: 'xencall: error: Could not obtain handle on privileged command interface: No such file or directory',
    });
    expect(findFailure(noHandle('Permission denied'))).toMatchObject({ kind: 'no-handle', errno: 13 });
    expect(findFailure(out('', 'failed to get the handler\n'))).toEqual({ kind: 'no-handle' });
  });

  it("reads xl's own way of saying it cannot reach Xen", () => {
    const xl = out(
      '',
      'xencall: error: Could not obtain handle on privileged command interface: No such file or directory\n' +
        'libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: No such file or directory\n' +
        'cannot init xl context\n',
      1,
    );
    expect(findFailure(xl)).toMatchObject({ kind: 'no-handle', errno: 2 });
  });

  it('reads exit status 127 as a program that could not start', () => {
    const line = '/usr/lib/xen-4.17/bin/xen-livepatch: error while loading shared libraries: libxendevicemodel.so.1: cannot open shared object file: No such file or directory';
    expect(findFailure(out('', `${line}\n`, 127))).toEqual({ kind: 'cannot-start', line });
  });

  it('finds nothing in output it does not know', () => {
    expect(findFailure(out('', 'Segmentation fault\n', 139))).toBeUndefined();
  });
});

describe('parseBuildId (xl info)', () => {
  it('reads the real Xen 4.17 line', () => {
    const stdout = 'xen_extra              : .7\nxen_version            : 4.17.7\nxen_changeset          : \nbuild_id               : 151b373fd64b321593bf987fd923cd10dabadac4\n';
    expect(parseBuildId(stdout)).toBe('151b373fd64b321593bf987fd923cd10dabadac4');
  });

  it('reads an empty value as "Xen has no build-id", without running into the next line', () => {
    expect(parseBuildId('build_id               : \nabcdef\n')).toBe('');
  });

  it('is undefined when there is no well-formed build_id line', () => {
    expect(parseBuildId('xen_version            : 4.17.7\n')).toBeUndefined();
    expect(parseBuildId('build_id               : (null)\n')).toBeUndefined();
    expect(parseBuildId('xen_build_id           : abcd\n')).toBeUndefined();
  });
});

/**
 * The error table: tool output → XlpError code, exit code and errno, through the backend's public
 * surface with a scripted Runner (the integration tests run the same backend on real processes).
 */
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import type { ToolOutput } from '../../src/model/types.js';
import type { Action } from '../../src/model/vocabulary.js';
import type { RunOptions, Runner } from '../../src/host/runner.js';
import { createXenLivepatchBackend } from '../../src/host/xen-livepatch/backend.js';
import { G1, G2, G2_HELP, noHandle, out } from '../helpers/xen-outputs.js';
import { caught } from '../helpers/caught.js';

const HEADER = ' ID                                     | status     | metadata\n----------------------------------------+------------+---------------\n';
const row = (name: string, state: string, rc = ''): string => `${name.padEnd(40)}| ${state}${rc}    | \n`;
const FILE = '/run/xlp/stage-1/xsa.livepatch';
/** Any bytes: the scripted runner stages nothing, it names the copy FILE. */
const BYTES = new Uint8Array([0x7f, 0x45, 0x4c, 0x46]);

interface Call {
  program: string;
  args: readonly string[];
  options?: RunOptions;
}

/** A Runner that answers each run with the next scripted output and records what it was asked. */
function scripted(...outputs: ToolOutput[]): { runner: Runner; calls: Call[] } {
  const calls: Call[] = [];
  const runner: Runner = {
    target: 'localhost',
    run: async (program, args, options) => {
      calls.push({ program, args, options });
      const next = outputs.shift();
      if (next === undefined) throw new Error(`unexpected run: ${program} ${args.join(' ')}`);
      return next;
    },
    stage: async (_bytes, basename) => ({ path: `/run/xlp/stage-1/${basename}`, remove: async () => {} }),
    close: async () => {},
    removeLeftovers: async () => [],
  };
  return { runner, calls };
}

const PATHS = { xenLivepatch: '/usr/lib/xen-4.17/bin/xen-livepatch', xl: '/usr/sbin/xl' };
const backendFor = (...outputs: ToolOutput[]) => {
  const { runner, calls } = scripted(...outputs);
  return { backend: createXenLivepatchBackend(runner, PATHS), calls };
};


describe('successful runs', () => {
  it('runs argv arrays and returns the outcome with the raw output', async () => {
    const { backend, calls } = backendFor(G2.done('apply', 'xsa'), G2.noActionNeeded(), G2.uploaded(FILE));
    await expect(backend.action('apply', 'xsa', { nodeps: true })).resolves.toEqual({ outcome: 'done', output: G2.done('apply', 'xsa') });
    await expect(backend.action('revert', 'xsa')).resolves.toEqual({ outcome: 'unchanged', output: G2.noActionNeeded() });
    await expect(backend.upload('xsa', BYTES, 'xsa.livepatch')).resolves.toEqual(G2.uploaded(FILE));
    expect(calls.map((c) => [c.program, ...c.args])).toEqual([
      [PATHS.xenLivepatch, 'apply', 'xsa', '--nodeps'],
      [PATHS.xenLivepatch, 'revert', 'xsa'],
      [PATHS.xenLivepatch, 'upload', 'xsa', FILE],
    ]);
    expect(calls.every((c) => typeof c.options?.timeoutMs === 'number')).toBe(true);
  });

  it('lists payloads and reads the build-id from xl info', async () => {
    const { backend, calls } = backendFor(out(HEADER + row('xsa', 'APPLIED')), out('build_id               : 00ff\n', 'libxl: warning: something\n'));
    await expect(backend.list()).resolves.toEqual([{ name: 'xsa', state: 'APPLIED', rc: 0, metadata: [] }]);
    await expect(backend.hypervisorBuildId()).resolves.toBe('00ff');
    expect(calls.map((c) => [c.program, ...c.args])).toEqual([
      [PATHS.xenLivepatch, 'list'],
      [PATHS.xl, 'info'],
    ]);
  });

  it('describes itself with the tool path and, when remote, the host', () => {
    expect(createXenLivepatchBackend(scripted().runner, PATHS).description).toBe(`xen-livepatch at ${PATHS.xenLivepatch}`);
    const remote = { ...scripted().runner, target: 'root@dom0' };
    expect(createXenLivepatchBackend(remote, PATHS).description).toBe(`xen-livepatch at ${PATHS.xenLivepatch} on root@dom0`);
  });
});

describe('arguments are checked before anything runs', () => {
  it.each([
    ['an empty name', ''],
    ['a name with a slash', 'a/b'],
    ['a name with a space', 'a b'],
    ['a name of 128 bytes', 'n'.repeat(128)],
  ])('refuses %s', async (_what, name) => {
    const { backend, calls } = backendFor();
    for (const attempt of [backend.action('apply', name), backend.upload(name, BYTES, 'xsa.livepatch')]) {
      const error = await caught(attempt);
      expect([error.code, error.exitCode]).toEqual(['usage', ExitCode.USAGE]);
    }
    expect(calls).toEqual([]);
  });

  it('refuses --nodeps for anything but apply, and a path with a newline', async () => {
    const { backend, calls } = backendFor();
    expect((await caught(backend.action('revert', 'xsa', { nodeps: true }))).code).toBe('usage');
    expect((await caught(backend.upload('xsa', BYTES, 'a\nb'))).code).toBe('usage');
    expect(calls).toEqual([]);
  });
});

type Row = [string, () => Promise<unknown>, ToolOutput[], string, number, number | undefined];

const apply = (...outputs: ToolOutput[]) => () => backendFor(...outputs).backend.action('apply', 'xsa');
const action = (name: Action, ...outputs: ToolOutput[]) => () => backendFor(...outputs).backend.action(name, 'xsa');
const upload = (...outputs: ToolOutput[]) => () => backendFor(...outputs).backend.upload('xsa', BYTES, 'xsa.livepatch');
const list = (...outputs: ToolOutput[]) => () => backendFor(...outputs).backend.list();

// [what, call, outputs (for the detail check), code, exit code, errno]
const TABLE: Row[] = [
  ['no handle (no Xen), exit 0', apply(noHandle()), [noHandle()], 'host-unsupported', ExitCode.HOST_UNSUPPORTED, 2],
  ['no handle (not root), exit 0', list(noHandle('Permission denied')), [noHandle('Permission denied')], 'host-unsupported', ExitCode.HOST_UNSUPPORTED, 13],
  ['ENOSYS from list sizes', list(G2.listSizesFailed(38)), [G2.listSizesFailed(38)], 'host-unsupported', ExitCode.HOST_UNSUPPORTED, 38],
  ['EPERM from upload', upload(G2.uploadFailed(FILE, 1)), [G2.uploadFailed(FILE, 1)], 'host-unsupported', ExitCode.HOST_UNSUPPORTED, 1],
  ['EACCES from GET', apply(G2.statusFailed('xsa', 13)), [G2.statusFailed('xsa', 13)], 'host-unsupported', ExitCode.HOST_UNSUPPORTED, 13],
  // The GET before it succeeded: not a privilege problem but a veto (a hook, or XSM).
  ['EPERM from the apply hypercall', apply(G2.actionFailed('apply', 'xsa', 1)), [G2.actionFailed('apply', 'xsa', 1)], 'rejected', ExitCode.REJECTED, 1],
  ['EACCES from the revert hypercall', action('revert', G2.actionFailed('revert', 'xsa', 13)), [G2.actionFailed('revert', 'xsa', 13)], 'rejected', ExitCode.REJECTED, 13],
  ['unknown name (GET ENOENT)', action('revert', G2.statusFailed('xsa', 2)), [G2.statusFailed('xsa', 2)], 'not-found', ExitCode.NOT_FOUND, 2],
  ['unknown name, 4.7-4.8', action('unload', G1.statusFailed('xsa', 2)), [G1.statusFailed('xsa', 2)], 'not-found', ExitCode.NOT_FOUND, 2],
  ['Operation already in progress.', apply(G2.inProgress('apply')), [G2.inProgress('apply')], 'in-progress', ExitCode.BUSY, 11],
  ["Operation didn't complete.", action('replace', G2.incomplete('replace', 'xsa')), [G2.incomplete('replace', 'xsa')], 'incomplete', ExitCode.BUSY, 11],
  ['4.7-4.8 30 s timeout', apply(G1.timedOut('apply', 'xsa')), [G1.timedOut('apply', 'xsa')], 'incomplete', ExitCode.BUSY, 11],
  ['EBUSY from apply', apply(G2.actionFailed('apply', 'xsa', 16)), [G2.actionFailed('apply', 'xsa', 16)], 'busy', ExitCode.BUSY, 16],
  ['EAGAIN from upload', upload(G2.uploadFailed(FILE, 11)), [G2.uploadFailed(FILE, 11)], 'busy', ExitCode.BUSY, 11],
  ['EBUSY from list', list(G2.listFailed(1, 2, 16)), [G2.listFailed(1, 2, 16)], 'busy', ExitCode.BUSY, 16],
  ['unload of an APPLIED payload', action('unload', G2.wrongStateBefore('xsa', 'APPLIED', 'CHECKED')), [G2.wrongStateBefore('xsa', 'APPLIED', 'CHECKED')], 'wrong-state', ExitCode.WRONG_STATE, undefined],
  ['4.7-4.8 wrong state on stdout', action('unload', G1.wrongState('xsa', 'APPLIED', 'unknown')), [G1.wrongState('xsa', 'APPLIED', 'unknown')], 'wrong-state', ExitCode.WRONG_STATE, undefined],
  ['upload EINVAL (build-id mismatch)', upload(G2.uploadFailed(FILE, 22)), [G2.uploadFailed(FILE, 22)], 'rejected', ExitCode.REJECTED, 22],
  ['upload EEXIST (duplicate)', upload(G2.uploadFailed(FILE, 17)), [G2.uploadFailed(FILE, 17)], 'rejected', ExitCode.REJECTED, 17],
  ['upload EOPNOTSUPP', upload(G2.uploadFailed(FILE, 95)), [G2.uploadFailed(FILE, 95)], 'rejected', ExitCode.REJECTED, 95],
  ['upload ENOENT (unknown symbol)', upload(G2.uploadFailed(FILE, 2)), [G2.uploadFailed(FILE, 2)], 'rejected', ExitCode.REJECTED, 2],
  ['upload ENODATA (Xen has no build-id)', upload(G2.uploadFailed(FILE, 61)), [G2.uploadFailed(FILE, 61)], 'rejected', ExitCode.REJECTED, 61],
  ['4.7-4.8 upload EEXIST', upload(G1.uploadFailed(FILE, 2256, 17)), [G1.uploadFailed(FILE, 2256, 17)], 'rejected', ExitCode.REJECTED, 17],
  ['apply EINVAL (depends mismatch)', apply(G2.actionFailed('apply', 'xsa', 22)), [G2.actionFailed('apply', 'xsa', 22)], 'rejected', ExitCode.REJECTED, 22],
  ['replace EINVAL', action('replace', G2.actionFailed('replace', 'xsa', 22)), [G2.actionFailed('replace', 'xsa', 22)], 'rejected', ExitCode.REJECTED, 22],
  ['replace EOPNOTSUPP (hooks)', action('replace', G2.actionFailed('replace', 'xsa', 95)), [G2.actionFailed('replace', 'xsa', 95)], 'rejected', ExitCode.REJECTED, 95],
  ['4.7-4.8 apply EINVAL', apply(G1.actionFailed('apply', 'xsa', 22)), [G1.actionFailed('apply', 'xsa', 22)], 'rejected', ExitCode.REJECTED, 22],
  ['Unsupported flag', apply(G2.unsupportedFlag('--nodeps')), [G2.unsupportedFlag('--nodeps')], 'usage', ExitCode.USAGE, undefined],
  ['help text for bad usage', apply(G2_HELP), [G2_HELP], 'usage', ExitCode.USAGE, undefined],
  ['over-long name refused by the tool', apply(G2.nameTooLong()), [G2.nameTooLong()], 'usage', ExitCode.USAGE, undefined],
  ['unopenable file', upload(G2.fileFailed('open', FILE, 2)), [G2.fileFailed('open', FILE, 2)], 'usage', ExitCode.USAGE, 2],
  ['empty file (map EINVAL)', upload(G2.fileFailed('map', FILE, 22)), [G2.fileFailed('map', FILE, 22)], 'usage', ExitCode.USAGE, 22],
  ['ENOMEM from upload', upload(G2.uploadFailed(FILE, 12)), [G2.uploadFailed(FILE, 12)], 'tool-failed', ExitCode.FAILED, 12],
  ['revert EINVAL', action('revert', G2.actionFailed('revert', 'xsa', 22)), [G2.actionFailed('revert', 'xsa', 22)], 'tool-failed', ExitCode.FAILED, 22],
  ['unrecognised output, exit 0', apply(out('Applied.\n')), [out('Applied.\n')], 'tool-failed', ExitCode.FAILED, undefined],
  ['unrecognised output, exit 1', apply(out('', 'Segmentation fault\n', 139)), [out('', 'Segmentation fault\n', 139)], 'tool-failed', ExitCode.FAILED, undefined],
  ['list line xlp cannot read', list(out('Payloads: none\n')), [out('Payloads: none\n')], 'tool-failed', ExitCode.FAILED, undefined],
  ['shared library missing (exit 127)', list(out('', 'x: error while loading shared libraries: libxenctrl.so.4.17\n', 127)), [out('', 'x: error while loading shared libraries: libxenctrl.so.4.17\n', 127)], 'tool-missing', ExitCode.HOST_UNSUPPORTED, undefined],
];

describe('every failure becomes an XlpError with its code, exit code, errno and the raw output', () => {
  it.each(TABLE)('%s', async (_what, call, outputs, code, exitCode, errno) => {
    const error = await caught(call());
    expect({ code: error.code, exitCode: error.exitCode, errno: error.errno }).toEqual({ code, exitCode, errno });
    const raw = outputs[0];
    expect(error.detail).toEqual({ stdout: raw?.stdout, stderr: raw?.stderr, exitCode: raw?.exitCode });
    expect(error.message).not.toContain('\n');
    expect(error.hint).toBeTruthy();
    expect(error.exitCode).not.toBe(ExitCode.OK);
  });
});

describe('messages say what happened', () => {
  it('names the cause of a missing hypervisor handle from libxc\'s line', async () => {
    expect((await caught(list(noHandle())())).message).toMatch(/^this host is not a Xen dom0: /);
    expect((await caught(list(noHandle('Permission denied'))())).message).toMatch(/^xlp is not running as root: /);
    expect((await caught(list(out('', 'failed to get the handler\n'))())).message).toMatch(/^this host is not a Xen dom0, or xlp is not running as root/);
  });

  it('gives the errno name and text, and why the hypervisor usually refuses', async () => {
    const error = await caught(upload(G2.uploadFailed(FILE, 22))());
    expect(error.message).toBe('the hypervisor rejected payload xsa: errno 22 EINVAL (Invalid argument)');
    expect(error.hint).toMatch(/xen_depends build-id/);
    expect((await caught(upload(G2.uploadFailed(FILE, 17))())).hint).toMatch(/same build-id/);
    expect((await caught(apply(G2.actionFailed('apply', 'xsa', 22))())).hint).toMatch(/top of the applied stack/);
  });

  it("quotes the tool's first stderr line when it does not know the failure", async () => {
    const error = await caught(apply(out('', '\nSegmentation fault\n', 139))());
    expect(error.message).toBe(`${PATHS.xenLivepatch} apply failed (exit status 139): "Segmentation fault"`);
  });

  it('points at --nodeps when a Xen older than 4.14 prints its help for it', async () => {
    const { backend } = backendFor(G2_HELP);
    expect((await caught(backend.action('apply', 'xsa', { nodeps: true }))).hint).toMatch(/--nodeps needs .*4\.14/);
  });
});

describe('a revert refused with EBUSY', () => {
  const busy = () => out('Reverting xsa... failed\n', 'Error 16: Device or resource busy\n', 2);

  it('is not-top, naming the other applied payloads, when others are applied', async () => {
    const listed = out(HEADER + row('xsa', 'APPLIED') + row('xsa2', 'APPLIED') + row('xsa3', 'CHECKED') + row('xsa4', 'APPLIED'));
    const { backend, calls } = backendFor(busy(), listed);
    const error = await caught(backend.action('revert', 'xsa'));
    expect([error.code, error.exitCode, error.errno]).toEqual(['not-top', ExitCode.WRONG_STATE, 16]);
    expect(error.message).toBe('cannot revert xsa: it is not the top of the applied stack (also applied: xsa2, xsa4)');
    expect(error.detail).toEqual({ ...busy() });
    expect(calls.map((c) => c.args[0])).toEqual(['revert', 'list']);
  });

  it.each([
    ['it is the only applied payload', HEADER + row('xsa', 'APPLIED') + row('xsa2', 'CHECKED')],
    ['another action is in flight', HEADER + row('xsa', 'APPLIED') + row('xsa2', 'APPLIED') + row('xsa3', 'CHECKED', ' (11, Resource temporarily unavailable)')],
    ['its own rendezvous timed out', HEADER + row('xsa', 'APPLIED', ' (16, Device or resource busy)') + row('xsa2', 'APPLIED')],
    ['it is no longer applied', HEADER + row('xsa', 'CHECKED') + row('xsa2', 'APPLIED')],
  ])('is a transient busy when %s', async (_what, listing) => {
    const error = await caught(backendFor(busy(), out(listing)).backend.action('revert', 'xsa'));
    expect([error.code, error.exitCode]).toEqual(['busy', ExitCode.BUSY]);
  });

  it('stays busy when the list after it fails too', async () => {
    const error = await caught(backendFor(busy(), noHandle()).backend.action('revert', 'xsa'));
    expect(error.code).toBe('busy');
  });
});

describe('xl info', () => {
  it('reads an empty build_id as "no build-id"', async () => {
    await expect(backendFor(out('build_id               : \n')).backend.hypervisorBuildId()).resolves.toBe('');
  });

  it('is host-unsupported off Xen and tool-failed without a build_id line', async () => {
    const offXen = out('', 'xencall: error: Could not obtain handle on privileged command interface: No such file or directory\ncannot init xl context\n', 1);
    const error = await caught(backendFor(offXen).backend.hypervisorBuildId());
    expect([error.code, error.exitCode, error.errno]).toEqual(['host-unsupported', ExitCode.HOST_UNSUPPORTED, 2]);
    expect(error.message).toContain(PATHS.xl);
    const bare = await caught(backendFor(out('host : dom0\n')).backend.hypervisorBuildId());
    expect([bare.code, bare.exitCode]).toEqual(['tool-failed', ExitCode.FAILED]);
  });
});

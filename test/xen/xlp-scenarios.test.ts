/**
 * xlp, the built CLI, against a real Xen hypervisor (4.17 or 4.20, one per run of the tier) over ssh. The tests check the hypervisor
 * through an independent channel (raw ssh: `xl info`, `xen-livepatch list`), never through xlp alone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import type { CliResult } from '../helpers/cli.js';
import type { XenSeries } from './series.js';
import { inDom0, isSkip, resetHypervisor, xenLabel, xenVm, xlInfo, xlpOn, type XenVm } from './vm.js';

const vmOrSkip = xenVm();

/** How Xen logs a payload built for another Xen (4.20 checks it earlier, with its own words). */
const XEN_BUILD_ID_MISMATCH: Record<XenSeries, string> = {
  '4.17': 'check against hypervisor build-id failed',
  '4.20': 'build-id mismatch:',
};

interface ListedPayload {
  readonly name: string;
  readonly state: string;
  readonly metadata: readonly string[];
}

function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.exitCode}): ${result.stdout}\n${result.stderr}`);
  }
}

function expectOk(result: CliResult): void {
  expect(result.exitCode, `${result.stdout}${result.stderr}`).toBe(0);
}

function expectFailure(result: CliResult, exitCode: number, code: string): { message: string; hint?: string } {
  expect(result.exitCode, `${result.stdout}${result.stderr}`).toBe(exitCode);
  const { error } = json<{ error: { code: string; exitCode: number; message: string; hint?: string } }>(result);
  expect(error.code).toBe(code);
  expect(error.exitCode).toBe(exitCode);
  return error;
}

describe.skipIf(isSkip(vmOrSkip))(`xlp against real ${xenLabel(vmOrSkip)}`, () => {
  const vm = vmOrSkip as XenVm;
  let home: string;
  let xlp: (args: readonly string[]) => Promise<CliResult>;
  let originalExtra: string;
  const payload = (name: string): string => join(vm.payloadDir, `${name}.livepatch`);
  const listed = async (): Promise<ListedPayload[]> => {
    const result = await xlp(['list', '--json']);
    expectOk(result);
    return json<{ payloads: ListedPayload[] }>(result).payloads;
  };
  /** The hypervisor's own view, without xlp: `xen-livepatch list` rows as name -> state. */
  const rawStates = async (): Promise<Record<string, string>> => {
    const { stdout } = await inDom0(vm, 'xen-livepatch list');
    const rows = stdout.split('\n').slice(2).filter((line) => line.includes('|'));
    return Object.fromEntries(rows.map((line) => line.split('|').map((cell) => cell.trim())).map(([name, state]) => [name, state]));
  };

  /** How many lines of the hypervisor's console ring (xl dmesg) contain `text`. */
  const consoleLines = async (text: string): Promise<number> => {
    const { stdout } = await inDom0(vm, 'xl dmesg');
    return stdout.split('\n').filter((line) => line.includes(text)).length;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'xlp-xen-'));
    xlp = xlpOn(vm, home);
    await resetHypervisor(vm);
    originalExtra = await xlInfo(vm, 'xen_extra');
  });
  beforeEach(async () => {
    await resetHypervisor(vm);
  });
  afterAll(async () => {
    if (!isSkip(vmOrSkip)) await resetHypervisor(vm);
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('load patches the running hypervisor (xl info), revert undoes it, unload removes it', async () => {
    expect(originalExtra).not.toBe('-xenlab1');
    expectOk(await xlp(['load', payload('xenlab1'), '--json']));
    expect(await rawStates()).toEqual({ xenlab1: 'APPLIED' });
    expect(await xlInfo(vm, 'xen_extra')).toBe('-xenlab1');

    expectOk(await xlp(['revert', 'xenlab1', '--json']));
    expect(await xlInfo(vm, 'xen_extra')).toBe(originalExtra);
    expect(await rawStates()).toEqual({ xenlab1: 'CHECKED' });

    expectOk(await xlp(['unload', 'xenlab1', '--json']));
    expect(await rawStates()).toEqual({});
  });

  it('load --name uploads under the given name', async () => {
    expectOk(await xlp(['load', payload('xenlab1'), '--name', 'fix_1', '--json']));
    expect(await rawStates()).toEqual({ fix_1: 'APPLIED' });
  });

  it('upload, apply, revert and unload one step at a time, each visible in list --json', async () => {
    expectOk(await xlp(['upload', 'lab', payload('xenlab1'), '--json']));
    expect(await listed()).toMatchObject([{ name: 'lab', state: 'CHECKED' }]);
    expect(await xlInfo(vm, 'xen_extra')).toBe(originalExtra);

    expectOk(await xlp(['apply', 'lab', '--json']));
    expect(await listed()).toMatchObject([{ name: 'lab', state: 'APPLIED' }]);
    expect(await xlInfo(vm, 'xen_extra')).toBe('-xenlab1');

    expectOk(await xlp(['revert', 'lab', '--json']));
    expect(await listed()).toMatchObject([{ name: 'lab', state: 'CHECKED' }]);
    expect(await xlInfo(vm, 'xen_extra')).toBe(originalExtra);

    expectOk(await xlp(['unload', 'lab', '--json']));
    expect(await listed()).toEqual([]);
  });

  it('stacks payloads and reverts them in LIFO order only', async () => {
    expectOk(await xlp(['upload', 'xenlab1', payload('xenlab1'), '--json']));
    expectOk(await xlp(['upload', 'xenlab2', payload('xenlab2'), '--json']));
    expectOk(await xlp(['apply', 'xenlab1', '--json']));
    expectOk(await xlp(['apply', 'xenlab2', '--json']));
    expect(await xlInfo(vm, 'xen_changeset')).toBe('xenlab2-stacked');
    expect(await xlInfo(vm, 'xen_extra')).toBe('-xenlab1');

    const refused = expectFailure(await xlp(['revert', 'xenlab1', '--json']), ExitCode.WRONG_STATE, 'not-top');
    expect(refused.message).toContain('xenlab1');
    expect(refused.message).toContain('xenlab2');
    expect(await rawStates()).toEqual({ xenlab1: 'APPLIED', xenlab2: 'APPLIED' });

    expectOk(await xlp(['revert', 'xenlab2', '--json']));
    expect(await xlInfo(vm, 'xen_changeset')).toBe('');
    expectOk(await xlp(['revert', 'xenlab1', '--json']));
    expect(await xlInfo(vm, 'xen_extra')).toBe(originalExtra);
    expect(await rawStates()).toEqual({ xenlab1: 'CHECKED', xenlab2: 'CHECKED' });
  });

  it('refuses to apply a stacked payload whose base is not applied, unless --nodeps', async () => {
    expectOk(await xlp(['upload', 'xenlab2', payload('xenlab2'), '--json']));
    const refused = await xlp(['apply', 'xenlab2', '--json']);
    expect(refused.exitCode, refused.stdout).toBe(ExitCode.REJECTED);
    expect(await rawStates()).toEqual({ xenlab2: 'CHECKED' });

    expectOk(await xlp(['apply', 'xenlab2', '--nodeps', '--json']));
    expect(await xlInfo(vm, 'xen_changeset')).toBe('xenlab2-stacked');
  });

  it('replace applies one payload and reverts every other applied one', async () => {
    expectOk(await xlp(['upload', 'xenlab1', payload('xenlab1'), '--json']));
    expectOk(await xlp(['upload', 'xenlab2', payload('xenlab2'), '--json']));
    expectOk(await xlp(['upload', 'xenlab3', payload('xenlab3'), '--json']));
    expectOk(await xlp(['apply', 'xenlab1', '--json']));
    expectOk(await xlp(['apply', 'xenlab2', '--json']));

    expectOk(await xlp(['replace', 'xenlab3', '--json']));
    expect(await rawStates()).toEqual({ xenlab1: 'CHECKED', xenlab2: 'CHECKED', xenlab3: 'APPLIED' });
    expect(await xlInfo(vm, 'xen_extra')).toBe('-xenlab3-repl');
    expect(await xlInfo(vm, 'xen_changeset')).toBe('');
  });

  it('a payload built for another hypervisor is refused by xlp before Xen sees it', async () => {
    const refused = expectFailure(await xlp(['upload', 'badid_pre', payload('xenlab-badid'), '--json']), ExitCode.REJECTED, 'xen-build-id-mismatch');
    expect(refused.message).toContain(vm.buildId);
    expect(await rawStates()).toEqual({});
    expect(await consoleLines('badid_pre:')).toBe(0);
  });

  it('with --skip-preflight, the hypervisor itself rejects the wrong build-id', async () => {
    const logged = `badid_skip: ${XEN_BUILD_ID_MISMATCH[vm.series]}`;
    const before = await consoleLines(logged);
    const refused = expectFailure(await xlp(['upload', 'badid_skip', payload('xenlab-badid'), '--skip-preflight', '--json']), ExitCode.REJECTED, 'rejected');
    expect(refused.hint).toBeTruthy();
    expect(await rawStates()).toEqual({});
    expect(await consoleLines(logged)).toBe(before + 1);
  });

  it('refuses a duplicate name, and a duplicate build-id both in xlp and in the hypervisor', async () => {
    expectOk(await xlp(['upload', 'dup', payload('xenlab1'), '--json']));
    // The same file under the same name again is already there: nothing to do, exit 0.
    const again = await xlp(['upload', 'dup', payload('xenlab1'), '--json']);
    expectOk(again);
    expect(json<{ result: string }>(again).result).toBe('unchanged');
    expectFailure(await xlp(['upload', 'dup', payload('xenlab3'), '--json']), ExitCode.REJECTED, 'rejected');
    // The same bytes (so the same build-id) under another name.
    const twin = expectFailure(await xlp(['upload', 'dup_copy', payload('xenlab1'), '--json']), ExitCode.REJECTED, 'duplicate-build-id');
    expect(twin.message).toContain('dup');
    expectFailure(await xlp(['upload', 'dup_copy', payload('xenlab1'), '--skip-preflight', '--json']), ExitCode.REJECTED, 'rejected');
    expect(await rawStates()).toEqual({ dup: 'CHECKED' });
  });

  it('list --json shows states and .modinfo metadata', async () => {
    expectOk(await xlp(['upload', 'plain', payload('xenlab1'), '--json']));
    expectOk(await xlp(['load', payload('xenlab3'), '--json']));
    expect(await listed()).toMatchObject([
      { name: 'plain', state: 'CHECKED', metadata: [] },
      { name: 'xenlab3', state: 'APPLIED', metadata: ['XSA=999', 'VERSION=1'] },
    ]);
  });

  it('names the missing tool and the host when xen-livepatch is not installed there', async () => {
    const hide = await inDom0(vm, 'mv /usr/sbin/xen-livepatch /usr/sbin/xen-livepatch.hidden');
    expect(hide.exitCode).toBe(0);
    try {
      const missing = expectFailure(await xlp(['list', '--json']), ExitCode.HOST_UNSUPPORTED, 'tool-missing');
      expect(missing.message).toContain('xen-livepatch');
      expect(missing.message).toContain(`root@127.0.0.1:${vm.port}`);
    } finally {
      expect((await inDom0(vm, 'mv /usr/sbin/xen-livepatch.hidden /usr/sbin/xen-livepatch')).exitCode).toBe(0);
    }
  });
});

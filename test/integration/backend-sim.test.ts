/**
 * The xen-livepatch backend through execa against the project's fake tools (bin/sim/xen-livepatch
 * and bin/sim/xl, `npm run build` first), on real payloads built by scripts/mkpayload.sh, for each
 * tool generation the simulator reproduces: 4.19 (exact command words, --force), 4.17 (3-column
 * list, --nodeps) and 4.13 (2-column list, no --nodeps, no xen_depends check, version-1 payloads).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, XlpError } from '../../src/errors.js';
import type { Backend } from '../../src/host/backend.js';
import { createLocalRunner } from '../../src/host/local-runner.js';
import { addSimFault, initSimState } from '../../src/host/sim/admin.js';
import type { SimFault } from '../../src/host/sim/state.js';
import { createXenLivepatchBackend } from '../../src/host/xen-livepatch/backend.js';
import { TEST_XEN_BUILD_ID, buildPayload, type PayloadOptions } from '../helpers/payloads.js';
import { caught } from '../helpers/caught.js';

const SIM = { xenLivepatch: fileURLToPath(new URL('../../bin/sim/xen-livepatch', import.meta.url)), xl: fileURLToPath(new URL('../../bin/sim/xl', import.meta.url)) };

let dir: string;
let statePath: string;
let backend: Backend;

/** The payload's own build-id, as binutils reads it from .note.gnu.build-id. */
async function buildIdOf(path: string): Promise<string> {
  const { execa } = await import('execa');
  const { stdout } = await execa('readelf', ['-nW', path], { env: { LC_ALL: 'C' } });
  const section = stdout.split('Displaying notes found in: ').find((s) => s.startsWith('.note.gnu.build-id'));
  const id = /Build ID: ([0-9a-f]+)/.exec(section ?? '')?.[1];
  if (id === undefined) throw new Error(`no build-id in ${path}`);
  return id;
}

/** The test payloads, with descriptors of the given payload version (1 for Xen before 4.14). */
function payloadSet(payloadVersion: 1 | 2) {
  const build = (options: PayloadOptions) => buildPayload({ ...options, ...(payloadVersion === 1 ? { payloadVersion } : {}) });
  const set = {
    one: () => build({ id: 'one', returns: '-one' }),
    two: () => build({ id: 'two', returns: '-two' }),
    /** Stacks on `one`: its .livepatch.depends is one's build-id. */
    onOne: async () => build({ id: 'stk', returns: '-stk', depends: await buildIdOf(await set.one()) }),
    cumulative: () => build({ id: 'cum', returns: '-cum', modinfo: ['XSA=999', 'VERSION=1'] }),
    otherXen: () => build({ id: 'oth', xenDepends: 'ab'.repeat(20) }),
  };
  return set;
}
const payloadSets = { 1: payloadSet(1), 2: payloadSet(2) };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-backend-sim-'));
  statePath = join(dir, 'sim', 'state.json');
  // The fakes read their state from the environment the runner passes on.
  process.env.XLP_SIM_STATE = statePath;
  delete process.env.XLP_SIM_XEN_VERSION;
  delete process.env.XLP_SIM_BUILD_ID;
  backend = createXenLivepatchBackend(createLocalRunner(join(dir, 'run'), join(dir, 'kept')), SIM);
  await Promise.all(Object.values(payloadSets).flatMap((set) => [set.one(), set.two(), set.onOne(), set.cumulative(), set.otherXen()]));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});


const summary = (error: XlpError) => ({ code: error.code, exitCode: error.exitCode, errno: error.errno });
/** Fails with the error's message and the tool's raw output, which say more than the summary. */
async function expectError(promise: Promise<unknown>, expected: ReturnType<typeof summary>): Promise<XlpError> {
  const error = await caught(promise);
  expect(summary(error), `${error.message}\n${JSON.stringify(error.detail)}`).toEqual(expected);
  return error;
}
const fault = (f: SimFault) => addSimFault(statePath, f);
/** Uploads the bytes of the file at `path` under `name`, the way the operations do. */
const upload = async (name: string, path: string) => backend.upload(name, await readFile(path), basename(path));

describe.each([
  { xen: '4.19.0', metadata: true, nodeps: true, checksXenDepends: true, payloadVersion: 2 },
  { xen: '4.17.7', metadata: true, nodeps: true, checksXenDepends: true, payloadVersion: 2 },
  { xen: '4.13.0', metadata: false, nodeps: false, checksXenDepends: false, payloadVersion: 1 },
] as const)('against the simulated Xen $xen', ({ xen, metadata, nodeps, checksXenDepends, payloadVersion }) => {
  const payloads = payloadSets[payloadVersion];
  const fresh = () => initSimState(statePath, { buildId: TEST_XEN_BUILD_ID, xenVersion: xen });

  it('reads the build-id and an empty list', async () => {
    await fresh();
    expect(await backend.hypervisorBuildId()).toBe(TEST_XEN_BUILD_ID);
    expect(await backend.list()).toEqual([]);
  });

  it('uploads, applies, stacks, reverts in order and unloads, with the list in upload order', async () => {
    await fresh();
    const one = await payloads.one();
    expect(await upload('one', one)).toEqual({ stdout: expect.stringMatching(new RegExp(`^Uploading /\\S+/${basename(one).replace('.', '\\.')}\\.\\.\\. completed\\n$`)), stderr: '', exitCode: 0 });
    await upload('stk', await payloads.onOne());
    await upload('cum', await payloads.cumulative());
    expect(await backend.list()).toEqual([
      { name: 'one', state: 'CHECKED', rc: 0, metadata: [] },
      { name: 'stk', state: 'CHECKED', rc: 0, metadata: [] },
      { name: 'cum', state: 'CHECKED', rc: 0, metadata: metadata ? ['XSA=999', 'VERSION=1'] : [] },
    ]);
    expect((await backend.action('apply', 'one')).outcome).toBe('done');
    expect(await backend.action('apply', 'one')).toEqual({ outcome: 'unchanged', output: { stdout: 'No action needed.\n', stderr: '', exitCode: 0 } });
    expect(await backend.action('apply', 'stk')).toEqual({ outcome: 'done', output: { stdout: 'Applying stk... completed\n', stderr: '', exitCode: 0 } });
    expect((await backend.list()).map((p) => p.state)).toEqual(['APPLIED', 'APPLIED', 'CHECKED']);
    expect((await backend.action('revert', 'cum')).outcome).toBe('unchanged');
    expect((await backend.action('revert', 'stk')).outcome).toBe('done');
    expect((await backend.action('revert', 'one')).outcome).toBe('done');
    for (const name of ['one', 'stk', 'cum']) expect((await backend.action('unload', name)).outcome).toBe('done');
    expect(await backend.list()).toEqual([]);
  });

  it('replaces the whole stack with a cumulative payload', async () => {
    await fresh();
    await upload('one', await payloads.one());
    await upload('stk', await payloads.onOne());
    await upload('cum', await payloads.cumulative());
    await backend.action('apply', 'one');
    await backend.action('apply', 'stk');
    expect(await backend.action('replace', 'cum')).toEqual({
      outcome: 'done',
      output: { stdout: 'Replacing all live patches with cum... completed\n', stderr: '', exitCode: 0 },
    });
    expect((await backend.list()).map((p) => [p.name, p.state])).toEqual([
      ['one', 'CHECKED'],
      ['stk', 'CHECKED'],
      ['cum', 'APPLIED'],
    ]);
    expect((await backend.action('replace', 'cum')).outcome).toBe('unchanged');
  });

  it('refuses to revert a payload that is not on top, naming what else is applied', async () => {
    await fresh();
    await upload('one', await payloads.one());
    await upload('stk', await payloads.onOne());
    await backend.action('apply', 'one');
    await backend.action('apply', 'stk');
    const error = await expectError(backend.action('revert', 'one'), { code: 'not-top', exitCode: ExitCode.WRONG_STATE, errno: 16 });
    expect(error.message).toBe('cannot revert one: it is not the top of the applied stack (also applied: stk)');
    expect(error.detail).toEqual({ stdout: 'Reverting one... failed\n', stderr: 'Error 16: Device or resource busy\n', exitCode: 2 });
  });

  it('reports the wrong state, unknown names and the hypervisor refusing payloads', async () => {
    await fresh();
    const one = await payloads.one();
    await upload('one', one);
    await backend.action('apply', 'one');
    await expectError(backend.action('unload', 'one'), { code: 'wrong-state', exitCode: ExitCode.WRONG_STATE, errno: undefined });
    await expectError(backend.action('revert', 'nosuch'), { code: 'not-found', exitCode: ExitCode.NOT_FOUND, errno: 2 });
    // The same name, then the same file (same build-id) under another name.
    await expectError(upload('one', one), { code: 'rejected', exitCode: ExitCode.REJECTED, errno: 17 });
    await expectError(upload('copy', one), { code: 'rejected', exitCode: ExitCode.REJECTED, errno: 17 });
    // `two` depends on the hypervisor, but `one` is on top.
    await upload('two', await payloads.two());
    const refused = await expectError(backend.action('apply', 'two'), { code: 'rejected', exitCode: ExitCode.REJECTED, errno: 22 });
    expect(refused.hint).toMatch(/top of the applied stack/);
  });

  it(`${checksXenDepends ? 'rejects' : 'accepts'} a payload built for another Xen at upload`, async () => {
    await fresh();
    const uploading = upload('oth', await payloads.otherXen());
    if (checksXenDepends) await expectError(uploading, { code: 'rejected', exitCode: ExitCode.REJECTED, errno: 22 });
    else expect((await uploading).exitCode).toBe(0);
  });

  it(`${nodeps ? 'applies' : 'cannot apply'} out of order with --nodeps`, async () => {
    await fresh();
    await upload('stk', await payloads.onOne());
    const applying = backend.action('apply', 'stk', { nodeps: true });
    if (nodeps) {
      expect((await applying).outcome).toBe('done');
    } else {
      const error = await expectError(applying, { code: 'usage', exitCode: ExitCode.USAGE, errno: undefined });
      expect(error.hint).toMatch(/--nodeps needs .*4\.14/);
    }
  });

  it('reports a copy the tool cannot map (an empty payload) as a usage error', async () => {
    await fresh();
    const error = await expectError(backend.upload('x', new Uint8Array(), 'empty.livepatch'), { code: 'usage', exitCode: ExitCode.USAGE, errno: 22 });
    expect(error.message).toMatch(/could not map \/\S+\/empty\.livepatch/);
  });

  it('follows an action the tool stopped waiting for: incomplete, then in progress, then busy for others', async () => {
    await fresh();
    await upload('one', await payloads.one());
    await upload('two', await payloads.two());
    await fault({ kind: 'incomplete', name: 'one', durationMs: 60_000 });
    await expectError(backend.action('apply', 'one'), { code: 'incomplete', exitCode: ExitCode.BUSY, errno: 11 });
    await expectError(backend.action('apply', 'one'), { code: 'in-progress', exitCode: ExitCode.BUSY, errno: 11 });
    await expectError(backend.action('apply', 'two'), { code: 'busy', exitCode: ExitCode.BUSY, errno: 16 });
    expect((await backend.list())[0]).toEqual({ name: 'one', state: 'CHECKED', rc: 11, metadata: [] });
  });

  it('keeps a revert whose rendezvous timed out transient, even with others applied', async () => {
    await fresh();
    await upload('one', await payloads.one());
    await upload('stk', await payloads.onOne());
    await backend.action('apply', 'one');
    await backend.action('apply', 'stk');
    await fault({ kind: 'rendezvous-busy', name: 'stk', action: 'revert' });
    await expectError(backend.action('revert', 'stk'), { code: 'busy', exitCode: ExitCode.BUSY, errno: 16 });
    expect((await backend.action('revert', 'stk')).outcome).toBe('done');
  });

  it('maps injected hypervisor errors', async () => {
    await fresh();
    await fault({ kind: 'sync-errno', action: 'upload', errno: 12 });
    await expectError(upload('one', await payloads.one()), { code: 'tool-failed', exitCode: ExitCode.FAILED, errno: 12 });
    await fault({ kind: 'sync-errno', action: 'list', errno: 13 });
    await expectError(backend.list(), { code: 'host-unsupported', exitCode: ExitCode.HOST_UNSUPPORTED, errno: 13 });
    await fault({ kind: 'no-livepatch' });
    await expectError(backend.list(), { code: 'host-unsupported', exitCode: ExitCode.HOST_UNSUPPORTED, errno: 38 });
  });

  it('never reports success when the tool cannot reach Xen and exits 0', async () => {
    await fresh();
    await fault({ kind: 'no-handle', count: 3 });
    const error = await expectError(backend.action('apply', 'one'), { code: 'host-unsupported', exitCode: ExitCode.HOST_UNSUPPORTED, errno: 2 });
    expect(error.detail?.exitCode).toBe(0);
    expect(error.message).toMatch(/^this host is not a Xen dom0/);
    expect((await caught(backend.list())).code).toBe('host-unsupported');
    expect((await caught(upload('one', await payloads.one()))).code).toBe('host-unsupported');
  });
});

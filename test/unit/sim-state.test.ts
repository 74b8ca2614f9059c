/** The simulator's state file: where it lives, how a fresh host starts, how it is protected, the admin API. */
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, XlpError } from '../../src/errors.js';
import { addSimFault, clearSimFaults, initSimState, readSimState } from '../../src/host/sim/admin.js';
import { runFakeXenLivepatch } from '../../src/host/sim/fake-xen-livepatch.js';
import { createSimRunner } from '../../src/host/sim/sim-runner.js';
import { resolveStatePath } from '../../src/host/sim/state-store.js';

let dir: string;
let statePath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-sim-state-'));
  statePath = join(dir, 'sim', 'state.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const rejection = async (promise: Promise<unknown>): Promise<XlpError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(XlpError);
  return error as XlpError;
};

describe('state path', () => {
  it("prefers an explicit path, then XLP_SIM_STATE, then state.json in the sim root, never in the real host's directories", () => {
    expect(resolveStatePath('/x/explicit.json', { XLP_SIM_STATE: '/y/env.json' })).toBe('/x/explicit.json');
    expect(resolveStatePath(undefined, { XLP_SIM_STATE: '/y/env.json' })).toBe('/y/env.json');
    expect(resolveStatePath(undefined, { XLP_SIM_ROOT: '/z/sim', XLP_DATA_DIR: '/z/data' })).toBe('/z/sim/state.json');
    const fallback = resolveStatePath(undefined, { XLP_DATA_DIR: '/z/data', XLP_STATE_DIR: '/z/state' });
    expect(fallback).toMatch(/\/xlp-sim\/state\.json$/);
    expect(fallback.startsWith('/z/')).toBe(false);
  });
});

describe('a fresh host', () => {
  it('takes its build-id from XLP_SIM_BUILD_ID, lowercased, and persists it', async () => {
    const state = await readSimState(statePath, { XLP_SIM_BUILD_ID: 'ABCDEF0123' });
    expect(state.xenBuildId).toBe('abcdef0123');
    expect((await readSimState(statePath, { XLP_SIM_BUILD_ID: '99' })).xenBuildId).toBe('abcdef0123');
  });

  it('makes up a random 20-byte build-id otherwise, and "none" means Xen has none', async () => {
    const a = await readSimState(statePath, {});
    expect(a.xenBuildId).toMatch(/^[0-9a-f]{40}$/);
    expect((await readSimState(statePath, {})).xenBuildId).toBe(a.xenBuildId);
    const b = await readSimState(join(dir, 'other', 'state.json'), {});
    expect(b.xenBuildId).not.toBe(a.xenBuildId);
    expect((await readSimState(join(dir, 'none', 'state.json'), { XLP_SIM_BUILD_ID: 'none' })).xenBuildId).toBe('');
  });

  it('refuses a malformed build-id as a usage error', async () => {
    const error = await rejection(readSimState(statePath, { XLP_SIM_BUILD_ID: 'xyz' }));
    expect(error.exitCode).toBe(ExitCode.USAGE);
    expect(await lstat(statePath).catch(() => 'absent')).toBe('absent');
  });
});

describe('protection', () => {
  it('writes the state 0600 in a 0700 directory, leaving no temporary file behind', async () => {
    await readSimState(statePath, {});
    expect((await stat(statePath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'sim'))).mode & 0o777).toBe(0o700);
    await addSimFault(statePath, { kind: 'no-handle' }, {});
    expect((await readdir(join(dir, 'sim'))).sort()).toEqual(['state.json', 'state.json.lock']);
  });

  it('refuses a directory others can enter, without changing its mode', async () => {
    const shared = join(dir, 'shared');
    await mkdir(shared, { mode: 0o755 });
    await chmod(shared, 0o755);
    const error = await rejection(readSimState(join(shared, 'state.json'), {}));
    expect(error.code).toBe('sim-state');
    expect((await stat(shared)).mode & 0o777).toBe(0o755);
  });

  it('refuses a state file that is a symlink', async () => {
    await mkdir(join(dir, 'sim'), { mode: 0o700 });
    await writeFile(join(dir, 'target.json'), '{}');
    await symlink(join(dir, 'target.json'), statePath);
    expect((await rejection(readSimState(statePath, {}))).code).toBe('sim-state');
  });

  it('reports a corrupt state file instead of crashing, from the API and from the fake tool', async () => {
    await readSimState(statePath, {});
    await writeFile(statePath, '{"version": 1, "payloads": "nope"');
    expect((await rejection(readSimState(statePath, {}))).code).toBe('sim-state-corrupt');
    expect(await readFile(statePath, 'utf8')).toBe('{"version": 1, "payloads": "nope"');
    expect((await rejection(runFakeXenLivepatch(['list'], { XLP_SIM_STATE: statePath }))).code).toBe('sim-state-corrupt');
  });
});

describe('admin API', () => {
  it('initSimState resets the host to a given build-id and Xen version', async () => {
    await addSimFault(statePath, { kind: 'no-handle' }, {});
    const state = await initSimState(statePath, { buildId: 'AA'.repeat(20), xenVersion: '4.17.7' });
    expect(state).toMatchObject({ xenBuildId: 'aa'.repeat(20), xenVersion: '4.17.7', payloads: [], faults: [], console: [] });
    expect(await readSimState(statePath, {})).toEqual(state);
    const listed = await runFakeXenLivepatch([], { XLP_SIM_STATE: statePath });
    expect(listed.stderr).not.toContain('--force');
  });

  it('refuses Xen versions it does not simulate', async () => {
    for (const version of ['4.8.0', '3.4', '5.0', 'latest']) {
      expect((await rejection(initSimState(statePath, { xenVersion: version }))).exitCode).toBe(ExitCode.USAGE);
    }
  });

  it('validates faults, keeps them in order and clears them', async () => {
    for (const bad of [
      { kind: 'explode' },
      { kind: 'sync-errno' },
      { kind: 'sync-errno', errno: 0 },
      { kind: 'no-handle', errno: 5 },
      { kind: 'incomplete', durationMs: -1 },
      { kind: 'rendezvous-busy', count: 0 },
    ]) {
      expect((await rejection(addSimFault(statePath, bad as never, {}))).exitCode).toBe(ExitCode.USAGE);
    }
    await addSimFault(statePath, { kind: 'incomplete', durationMs: 10 }, {});
    const state = await addSimFault(statePath, { kind: 'sync-errno', errno: 12, name: 'x' }, {});
    expect(state.faults.map((f) => f.kind)).toEqual(['incomplete', 'sync-errno']);
    expect((await clearSimFaults(statePath, {})).faults).toEqual([]);
  });
});

describe('createSimRunner', () => {
  it('runs xen-livepatch and xl in-process against its state, by basename', async () => {
    const runner = createSimRunner(statePath, join(dir, 'run'), join(dir, 'kept'), { XLP_SIM_BUILD_ID: 'ab'.repeat(20) });
    expect(runner.target).toBe(`sim:${statePath}`);
    expect(await runner.run('xen-livepatch', ['list'])).toEqual({ stdout: 'Nothing to list\n', stderr: '', exitCode: 0 });
    expect((await runner.run('/usr/sbin/xl', ['info'])).stdout).toContain(`build_id               : ${'ab'.repeat(20)}\n`);
    expect(await runner.run('xen-livepatch', ['bogus'])).toMatchObject({ exitCode: 1 });
    await runner.close();
  });

  it('reports any other program as a missing tool', async () => {
    const error = await rejection(createSimRunner(statePath, join(dir, 'run'), join(dir, 'kept'), {}).run('ssh', ['host']));
    expect([error.code, error.exitCode]).toEqual(['tool-missing', ExitCode.HOST_UNSUPPORTED]);
  });

  it('stages payload bytes as a private file', async () => {
    const staged = await createSimRunner(statePath, join(dir, 'run'), join(dir, 'kept'), {}).stage(new Uint8Array([1, 2, 3]), 'x.livepatch');
    expect(staged.path.startsWith(`${join(dir, 'run')}/`)).toBe(true);
    expect(staged.path.endsWith('/x.livepatch')).toBe(true);
    expect((await stat(staged.path)).mode & 0o777).toBe(0o600);
    expect([...(await readFile(staged.path))]).toEqual([1, 2, 3]);
    await staged.remove();
  });
});

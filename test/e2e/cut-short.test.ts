/**
 * A run cut short is a normal event. Through the built CLI on a simulated host:
 *   - a closed pipe (`xlp load F 2>&1 | head -N`, `--json | head -c 10`) never leaves a half-done
 *     change: the change finishes, is journaled, and the lock is released, not left to a takeover;
 *   - SIGINT, SIGTERM and SIGHUP during an apply the simulator holds for seconds are acknowledged at
 *     once, the apply ends, no further step starts, the exit code is 130, and the journal says so;
 *   - while a run changes the host, `xlp status` and `xlp list` report it as in progress;
 *   - an unusable path (under /proc, relative) is refused with one line, never a hang.
 * The test polls the journal and the simulator's state; it never sleeps for a fixed time.
 */
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { addSimFault, readSimState } from '../../src/host/sim/admin.js';
import { REPO, XLP_BIN, isolatedEnv, runXlp } from '../helpers/cli.js';
import { TEST_XEN_BUILD_ID, buildPayload } from '../helpers/payloads.js';
import { json, simHost, waitFor, type SimHost } from './audit-helpers.js';

let payload: string;
let home: string;
let hosts = 0;
const newHost = (): SimHost => simHost(join(home, `h${++hosts}`));

beforeAll(async () => {
  payload = await buildPayload({ id: 'cut', returns: '-cut', modinfo: ['XSA=7'] });
  home = await mkdtemp(join(tmpdir(), 'xlp-cut-short-'));
}, 120_000);
afterAll(() => rm(home, { recursive: true, force: true }));

const states = async (host: SimHost): Promise<Array<[string, string]>> =>
  json<{ payloads: Array<{ name: string; state: string }> }>(await host.xlp(['list', '--json'])).payloads.map((p) => [p.name, p.state]);

/** The journal is whole and verifies, and the last change ended as `result`. */
async function expectJournaled(host: SimHost, result: string, extra: Record<string, unknown> = {}): Promise<void> {
  const verify = await host.xlp(['audit', 'verify']);
  expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
  const outcome = (await host.records()).filter((r) => r.type === 'outcome').at(-1);
  expect(outcome).toMatchObject({ result, ...extra });
}

/** The next change does not find a dead run's lock to take over. */
async function expectCleanRelease(host: SimHost): Promise<void> {
  const next = await host.xlp(['revert', 'cut']);
  expect(next.exitCode, next.stderr).toBe(0);
  expect(next.stderr).not.toContain('took over');
}

describe('a closed output', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('`xlp load F 2>&1 | head -%i` finishes the change, journals it and releases the lock', async (lines) => {
    const host = newHost();
    const shell = `'${process.execPath}' '${XLP_BIN}' load '${payload}' --name cut 2>&1 | head -${lines} >/dev/null; exit "\${PIPESTATUS[0]}"`;
    const result = await execa('bash', ['-c', shell], { env: host.env, extendEnv: false, reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await states(host)).toEqual([['cut', 'APPLIED']]);
    await expectJournaled(host, 'done');
    await expectCleanRelease(host);
  });

  it('`xlp load F --json | head -c 10` does the same', async () => {
    const host = newHost();
    const shell = `'${process.execPath}' '${XLP_BIN}' load '${payload}' --name cut --json | head -c 10 >/dev/null; exit "\${PIPESTATUS[0]}"`;
    const result = await execa('bash', ['-c', shell], { env: host.env, extendEnv: false, reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await states(host)).toEqual([['cut', 'APPLIED']]);
    await expectJournaled(host, 'done');
    await expectCleanRelease(host);
  });

  it('a failing load whose output is closed still rolls back and journals it', async () => {
    const host = newHost();
    await host.xlp(['list']);
    await addSimFault(host.statePath, { kind: 'sync-errno', action: 'apply', errno: 22 }, host.env);
    const shell = `'${process.execPath}' '${XLP_BIN}' load '${payload}' --name cut 2>&1 | head -1 >/dev/null; exit "\${PIPESTATUS[0]}"`;
    const result = await execa('bash', ['-c', shell], { env: host.env, extendEnv: false, reject: false });
    expect(result.exitCode).toBe(4);
    expect(await states(host)).toEqual([]);
    await expectJournaled(host, 'rolled-back');
  });
});

/** Starts an apply the simulator holds in flight for `ms`, and waits until xlp is following it. */
async function heldApply(host: SimHost, ms: number, command: readonly string[]): Promise<{ run: ReturnType<SimHost['start']> }> {
  await addSimFault(host.statePath, { kind: 'incomplete', action: 'apply', durationMs: ms }, host.env);
  const run = host.start([...command, '--timeout', '60']);
  // The intent is on disk, and the hypervisor has the apply in flight.
  await waitFor('the apply to be in flight', async () => (await host.state())?.pending !== undefined);
  // Wrapped: awaiting the subprocess itself would wait for it to end.
  return { run };
}

describe.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s during an apply the hypervisor holds', (signal) => {
  it('is acknowledged at once; the apply ends and is journaled; nothing further starts; exit 130', async () => {
    const host = newHost();
    expect((await host.xlp(['upload', 'cut', payload])).exitCode).toBe(0);
    const { run } = await heldApply(host, 3000, ['apply', 'cut']);
    let stderr = '';
    run.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    run.kill(signal);
    // Acknowledged while the apply is still in flight.
    await waitFor('the acknowledgement', async () => stderr.includes(`xlp: ${signal} received: stopping after the current step`));
    expect((await host.state())?.pending).toBeDefined();
    const result = await run;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr).trimEnd().split('\n').at(-1)).toBe(`xlp: error: stopped by ${signal}: the apply of cut had finished (cut is APPLIED); no further step was started; run 'xlp status' to see where the host stands`);
    expect(await states(host)).toEqual([['cut', 'APPLIED']]);
    await expectJournaled(host, 'done', { interrupted: signal, state: 'APPLIED' });
  });

  it('during a load, leaves it applied (the step under way ends), journaled, exit 130', async () => {
    const host = newHost();
    await host.xlp(['list']);
    const { run } = await heldApply(host, 2000, ['load', payload, '--name', 'cut']);
    run.kill(signal);
    const result = await run;
    expect(result.exitCode).toBe(130);
    expect(await states(host)).toEqual([['cut', 'APPLIED']]);
    await expectJournaled(host, 'done', { interrupted: signal });
    await expectCleanRelease(host);
  });
});

describe('a change in progress', () => {
  it('is reported by status and list with its pid, command and start, not as an anomaly', async () => {
    const host = newHost();
    await host.xlp(['list']);
    const { run } = await heldApply(host, 4000, ['load', payload, '--name', 'cut']);
    const status = json<{ inProgress?: Record<string, unknown>; anomalies: unknown[] }>(await host.xlp(['status', '--json']));
    expect(status.inProgress).toMatchObject({ pid: run.pid, command: expect.stringContaining('xlp load'), since: expect.any(String), change: { operation: 'load', name: 'cut', record: 1 } });
    expect(status.anomalies).toEqual([]);
    const list = json<{ inProgress?: Record<string, unknown> }>(await host.xlp(['list', '--json']));
    expect(list.inProgress).toMatchObject({ pid: run.pid, command: expect.stringContaining('xlp load') });
    const text = await host.xlp(['list']);
    expect(text.stdout).toMatch(new RegExp(`^A change is in progress: pid ${run.pid} \\(xlp load `));
    expect((await run).exitCode).toBe(0);
    expect(json<{ inProgress: unknown }>(await host.xlp(['list', '--json'])).inProgress).toBeNull();
  });
});

describe('an unusable path', () => {
  const FAKE_TOOLS = ['--xen-livepatch', join(REPO, 'bin', 'sim', 'xen-livepatch'), '--xl', join(REPO, 'bin', 'sim', 'xl')];

  it.each([
    ['XLP_AUDIT_LOG', '/proc/xlp-nonexistent/audit.jsonl', ExitCode.AUDIT],
    ['XLP_STATE_DIR', '/proc/xlp-nonexistent', ExitCode.AUDIT],
    ['XLP_DATA_DIR', '/proc/xlp-nonexistent', ExitCode.FAILED],
    ['XLP_RUNTIME_DIR', '/proc/xlp-nonexistent', ExitCode.FAILED],
  ])('%s=%s stops a load with one line before anything is changed or journaled, never a hang', async (variable, value, exitCode) => {
    const base = join(home, `paths-${variable}`);
    // The real backend running the simulator's tools as programs, so every real path is in play.
    const env = isolatedEnv(base, { XLP_SIM_STATE: join(base, 'hv', 'state.json'), XLP_SIM_BUILD_ID: TEST_XEN_BUILD_ID, [variable]: value });
    const result = await runXlp(['load', payload, '--name', 'p', ...FAKE_TOOLS], env);
    expect(result.exitCode, result.stderr).toBe(exitCode);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('xlp: error:'));
    expect(errors).toEqual([expect.stringMatching(/^xlp: error: .*\/proc\/xlp-nonexistent.*; /)]);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(errors[0]);
    expect((await readSimState(join(base, 'hv', 'state.json'), env)).payloads).toEqual([]);
    expect(await readFile(join(base, 'state', 'audit.jsonl'), 'utf8').catch(() => '')).not.toContain('"type":"intent"');
  });

  it.each([
    ['XLP_SIM_ROOT', '/proc/xlp-nonexistent'],
    ['XLP_SIM_STATE', '/proc/xlp-nonexistent/state.json'],
  ])("the simulator's %s=%s is refused with one line, never a hang", async (variable, value) => {
    const env = isolatedEnv(join(home, `sim-${variable}`), { XLP_BACKEND: 'sim', [variable]: value });
    for (const command of [['list'], ['list', '--json'], ['status']]) {
      const result = await runXlp(command, env);
      expect(result.exitCode, result.stderr).toBe(ExitCode.FAILED);
      const lines = (command.includes('--json') ? JSON.parse(result.stdout).error.message : result.stderr.trim()).split('\n');
      expect(lines).toEqual([expect.stringMatching(/\/proc\/xlp-nonexistent/)]);
    }
  });

  it.each(['XLP_STATE_DIR', 'XLP_DATA_DIR', 'XLP_RUNTIME_DIR', 'XLP_CONFIG_DIR', 'XLP_SIM_ROOT'])('a relative or empty %s is a usage error before anything is done', async (variable) => {
    for (const value of ['relative/dir', '']) {
      const env = isolatedEnv(join(home, `rel-${variable}`), { XLP_BACKEND: 'sim', [variable]: value });
      for (const command of [['list'], ['status'], ['revert', 'x']]) {
        const result = await runXlp(command, env);
        expect(result.exitCode, result.stderr).toBe(ExitCode.USAGE);
        expect(result.stderr).toBe(`xlp: error: ${variable}=${JSON.stringify(value)} is not usable: it must be an absolute path without control characters; set ${variable} to an absolute path, or unset it for the default\n`);
      }
    }
  });
});

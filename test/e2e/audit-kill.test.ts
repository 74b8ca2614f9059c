/**
 * kill -9 of `xlp load` at each stage leaves a journal that verifies and a status that tells what
 * happened; the next change of the host takes over the dead run's lock, says so, and records what
 * the interrupted change did, judged from the live state. Stages are held open deterministically:
 * the simulator's state lock (after the intent), a persistent rendezvous failure (after upload), an
 * 'incomplete' fault (during apply). The test polls the journal and the sim state, never sleeps.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSimFault, clearSimFaults } from '../../src/host/sim/admin.js';
import { acquireLock } from '../../src/util/lock-file.js';
import { buildPayload } from '../helpers/payloads.js';
import { json, simHost, waitFor, type SimHost } from './audit-helpers.js';

let payload: string;

beforeAll(async () => {
  payload = await buildPayload({ id: 'kill', returns: '-kill', modinfo: ['XSA=466', 'CVE=CVE-2024-45817'] });
}, 120_000);

/** [name, state] of each loaded payload, as `xlp list --json` reports them. */
async function listed(host: SimHost): Promise<Array<[string, string]>> {
  const { payloads } = json<{ payloads: Array<{ name: string; state: string }> }>(await host.xlp(['list', '--json', ...host.flags]));
  return payloads.map((p) => [p.name, p.state]);
}

interface Status {
  payloads: Array<{ name: string; state: string; source: string; sha256?: string }>;
  anomalies: Array<{ kind: string; name?: string; record?: number; message: string }>;
}

async function killedLoad(host: SimHost, heldUntil: () => Promise<boolean>): Promise<number> {
  const run = host.start(['load', payload, '--name', 'xsa', '--timeout', '120', ...host.flags]);
  await waitFor('the stage to be reached', heldUntil);
  run.kill('SIGKILL');
  const result = await run;
  expect(result.signal).toBe('SIGKILL');
  return run.pid as number;
}

/** The journal verifies, the status names the interrupted load and its verdict from the live state. */
async function expectInterrupted(host: SimHost, verdict: string): Promise<void> {
  const records = await host.records();
  expect(records.map((r) => r.type)).toEqual(['intent']);
  const verify = await host.xlp(['audit', 'verify', '--json']);
  expect(verify.exitCode).toBe(0);
  const status = json<Status>(await host.xlp(['status', '--json', ...host.flags]));
  expect(status.anomalies).toContainEqual(expect.objectContaining({ kind: 'interrupted', name: 'xsa', record: 1, message: expect.stringContaining(verdict) }));
}

/** The next change takes the dead run's lock over, says so on stderr and records the resolution. */
async function expectRecovery(host: SimHost, pid: number, nextChange: readonly string[], verdict: string): Promise<void> {
  const next = await host.xlp([...nextChange, ...host.flags]);
  expect(next.exitCode, next.stderr).toBe(0);
  expect(next.stderr).toContain(`took over the host lock of sim:${host.statePath} from pid ${pid}`);
  expect(next.stderr).toMatch(new RegExp(`interrupted load of xsa \\(journal record 1, pid ${pid}\\): ${verdict}`));
  const recovery = (await host.records()).find((r) => r.type === 'recovery');
  expect(recovery).toMatchObject({ lockTakenOverFrom: { pid }, resolved: [{ intent: 1, operation: 'load', name: 'xsa', verdict }] });
  expect((await host.xlp(['audit', 'verify'])).exitCode).toBe(0);
  const status = json<Status>(await host.xlp(['status', '--json', ...host.flags]));
  expect(status.anomalies.filter((a) => a.kind === 'interrupted')).toEqual([]);
}

describe('kill -9 of xlp load', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'xlp-audit-kill-'));
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('after the intent record: nothing was uploaded, and the next load says so and proceeds', async () => {
    const host = simHost(`${home}/intent`);
    expect((await host.xlp(['list', ...host.flags])).exitCode).toBe(0);
    // Holding the simulator's state lock stops the upload right after the intent is on disk and the
    // private copy is staged (in the sim root's run directory): the kill comes once both are there.
    const staging = join(dirname(host.statePath), 'run');
    const staged = async (): Promise<boolean> => (await readdir(staging).catch(() => [])).some((entry) => entry.startsWith('stage-'));
    const simLock = await acquireLock(`${host.statePath}.lock`, { timeoutMs: 5000, command: 'test', what: 'sim' });
    let pid: number;
    try {
      pid = await killedLoad(host, async () => (await host.records()).some((r) => r.type === 'intent') && (await staged()));
    } finally {
      await simLock.release();
    }
    expect((await host.state())?.payloads).toEqual([]);
    // The killed run's staged copy is left behind.
    const left = (await readdir(staging)).filter((entry) => entry.startsWith(`stage-${pid}-`));
    expect(left).toHaveLength(1);
    await expectInterrupted(host, 'not-done');
    await expectRecovery(host, pid, ['load', payload, '--name', 'xsa'], 'not-done');
    expect(await listed(host)).toEqual([['xsa', 'APPLIED']]);
    // The run that took over removed it (never reused it), and the journal says so.
    expect((await readdir(staging)).filter((entry) => entry.startsWith('stage-'))).toEqual([]);
    const recovery = (await host.records()).find((r) => r.type === 'recovery');
    expect(recovery?.leftoversRemoved).toEqual([join(staging, left[0] as string)]);
  });

  it('after the upload: the payload is left CHECKED, judged partial, and unloaded by the next run', async () => {
    const host = simHost(`${home}/upload`);
    await addSimFault(host.statePath, { kind: 'rendezvous-busy', action: 'apply', persistent: true }, host.env);
    const pid = await killedLoad(host, async () => {
      const uploaded = (await host.state())?.payloads.find((p) => p.name === 'xsa');
      return uploaded !== undefined && uploaded.rc !== 0;
    });
    await clearSimFaults(host.statePath, host.env);
    expect(await listed(host)).toEqual([['xsa', 'CHECKED']]);
    await expectInterrupted(host, 'partial');
    await expectRecovery(host, pid, ['unload', 'xsa'], 'partial');
    expect((await host.state())?.payloads).toEqual([]);
  });

  it('during the apply: the hypervisor finishes it, and the next run records it as completed', async () => {
    const host = simHost(`${home}/apply`);
    await addSimFault(host.statePath, { kind: 'incomplete', action: 'apply', durationMs: 1500 }, host.env);
    const pid = await killedLoad(host, async () => (await host.state())?.pending?.name === 'xsa');
    await expectInterrupted(host, 'xsa');
    // The hypervisor carries on without xlp: wait until it reports the apply finished.
    await waitFor('the apply to finish', async () => JSON.stringify(await listed(host)) === JSON.stringify([['xsa', 'APPLIED']]));
    await expectRecovery(host, pid, ['revert', 'xsa'], 'completed');
    const status = json<Status>(await host.xlp(['status', '--json', ...host.flags]));
    expect(status.payloads).toEqual([expect.objectContaining({ name: 'xsa', state: 'CHECKED', source: 'xlp' })]);
  });
});

/**
 * Ctrl-C (SIGINT) during a change: the step under way runs to its end and is recorded, nothing
 * further is changed, a load undoes its upload, and xlp exits 130 with one line saying so. Stages
 * are held open deterministically by holding the simulator's state lock; the test polls, never sleeps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/util/lock-file.js';
import { buildPayload } from '../helpers/payloads.js';
import { json, simHost, waitFor } from './audit-helpers.js';

let payload: string;
let home: string;

beforeAll(async () => {
  payload = await buildPayload({ id: 'interrupt', returns: '-interrupt' });
  home = await mkdtemp(join(tmpdir(), 'xlp-interrupt-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe('SIGINT during xlp load', () => {
  it('lets the upload under way finish, unloads it again, records the rollback and exits 130', async () => {
    const host = simHost(join(home, 'load'));
    expect((await host.xlp(['list', ...host.flags])).exitCode).toBe(0);
    // With the simulator's state lock held, the upload waits right after the intent is on disk.
    const simLock = await acquireLock(`${host.statePath}.lock`, { timeoutMs: 5000, command: 'test', what: 'sim' });
    const run = host.start(['load', payload, '--name', 'xsa', ...host.flags]);
    let seen = '';
    run.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    try {
      await waitFor('the intent record', async () => (await host.records()).some((r) => r.type === 'intent'));
      run.kill('SIGINT');
      // Released only once xlp has taken the interrupt in, so the upload surely ends after it.
      await waitFor('xlp to acknowledge the interrupt', async () => seen.includes('xlp: SIGINT received'));
    } finally {
      await simLock.release();
    }
    const result = await run;
    expect(result.exitCode).toBe(130);
    const stderr = String(result.stderr);
    expect(stderr).toContain('xlp: SIGINT received: stopping after the current step');
    expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/^xlp: error: stopped by SIGINT before: apply xsa; rolled back: xsa was unloaded again, nothing changed/);
    expect((await host.state())?.payloads).toEqual([]);
    const outcome = (await host.records()).find((r) => r.type === 'outcome');
    expect(outcome).toMatchObject({ result: 'rolled-back', state: 'absent', interrupted: 'SIGINT', rollback: { steps: ['unload xsa'], succeeded: true }, error: { code: 'interrupted', exitCode: 130 } });
    expect((await host.xlp(['audit', 'verify'])).exitCode).toBe(0);
    const status = json<{ anomalies: unknown[] }>(await host.xlp(['status', '--json', ...host.flags]));
    expect(status.anomalies).toEqual([]);
  });
});

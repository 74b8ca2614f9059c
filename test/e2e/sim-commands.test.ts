/** `xlp sim reset|show|fault`: steering the simulated host from the command line. */
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { buildPayload } from '../helpers/payloads.js';
import { simCli, type SimCli } from '../helpers/sim-cli.js';

let sim: SimCli;
beforeAll(async () => {
  sim = await simCli();
});
afterAll(() => sim.remove());

describe('xlp sim', () => {
  it('resets to a chosen hypervisor that xl info then reports', async () => {
    const id = 'ab'.repeat(20);
    const { result, body } = await sim.json('sim', 'reset', '--build-id', id, '--xen-version', '4.17.7');
    expect(result.exitCode).toBe(0);
    expect(body).toEqual({ schemaVersion: 1, statePath: sim.statePath, xenBuildId: id, xenVersion: '4.17.7' });
    const xl = await execa(join(REPO, 'bin', 'sim', 'xl'), ['info'], { env: sim.env, extendEnv: false });
    expect(xl.stdout).toMatch(new RegExp(`^build_id\\s+: ${id}$`, 'm'));
    const shown = await sim.json<{ xenBuildId: string; payloads: unknown[] }>('sim', 'show');
    expect(shown.body.xenBuildId).toBe(id);
    expect(shown.body.payloads).toEqual([]);
  });

  it('queues faults that xlp then meets, and clears them', async () => {
    await sim.reset();
    const payload = await buildPayload({ id: 'sim_cmd' });
    await sim.xlp('upload', 'xsa', payload);
    const queued = await sim.json<{ faults: unknown[] }>('sim', 'fault', 'incomplete', '--action', 'apply', '--duration-ms', '300');
    expect(queued.body.faults).toEqual([{ kind: 'incomplete', action: 'apply', durationMs: 300 }]);
    const { body } = await sim.json<{ outputs: Array<{ stderr: string }> }>('apply', 'xsa');
    expect(body.outputs[0]?.stderr).toBe("Operation didn't complete.\n");
    await sim.xlp('sim', 'fault', 'rendezvous-busy', '--persistent');
    expect((await sim.state()).faults).toHaveLength(1);
    expect((await sim.xlp('sim', 'fault', '--clear')).exitCode).toBe(0);
    expect((await sim.state()).faults).toEqual([]);
  });

  it('refuses an unknown fault kind and a fault without its errno (exit 2)', async () => {
    expect((await sim.xlp('sim', 'fault', 'meteor')).exitCode).toBe(2);
    const noErrno = await sim.xlp('sim', 'fault', 'sync-errno');
    expect(noErrno.exitCode).toBe(2);
    expect(noErrno.stderr).toMatch(/sync-errno needs an errno/);
  });
});

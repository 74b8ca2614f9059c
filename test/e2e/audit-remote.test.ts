/**
 * With --host, the journal of the controlling machine records the remote change: a real sshd on
 * localhost, the simulator's xen-livepatch and xl as the "remote" tools. Needs root and sshd.
 */
import { hostname } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';
import { startSshd, type SshdFixture } from '../helpers/sshd-fixture.js';
import { sshdSuiteEnabled } from '../helpers/sshd-suite.js';
import { json, simHost } from './audit-helpers.js';

const enabled = sshdSuiteEnabled('audit over ssh');

describe.runIf(enabled)('the journal of a remote change', () => {
  let sshd: SshdFixture;
  let home: string;
  beforeAll(async () => {
    sshd = await startSshd();
    home = await mkdtemp(join(tmpdir(), 'xlp-audit-remote-'));
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('is kept on the controlling machine, naming the remote host and this controller', async () => {
    // A real (remote) host: the controller's own journal, not a simulated host's.
    const host = simHost(join(home, 'controller'), { XLP_BACKEND: 'xen-livepatch', XLP_AUDIT_LOG: join(home, 'controller', 'state', 'audit.jsonl') });
    const remoteState = join(home, 'remote', 'state.json');
    const tool = async (name: string): Promise<string> => {
      const path = join(home, `remote-${name}`);
      const fake = fileURLToPath(new URL(`../../bin/sim/${name}`, import.meta.url));
      await writeFile(path, `#!/bin/sh\nXLP_SIM_STATE='${remoteState}' XLP_SIM_BUILD_ID=${TEST_XEN_BUILD_ID} exec '${process.execPath}' '${fake}' "$@"\n`, { mode: 0o755 });
      return path;
    };
    const config = join(home, 'ssh_config');
    await writeFile(config, `${sshd.goodOptions.map((option) => option.replace('=', ' ')).join('\n')}\n`);
    const destination = `root@127.0.0.1:${sshd.port}`;
    const remote = ['--host', destination, '--ssh-config', config, '--xen-livepatch', await tool('xen-livepatch'), '--xl', await tool('xl')];

    const load = await host.xlp(['load', await buildPayload({ id: 'rem', returns: '-rem' }), '--name', 'remote-fix', '-q', ...remote]);
    expect(load.exitCode, load.stderr).toBe(0);
    const [intent, outcome] = await host.records();
    expect(intent).toMatchObject({ type: 'intent', operation: 'load', name: 'remote-fix', controller: hostname(), host: expect.stringContaining('127.0.0.1') });
    expect(outcome).toMatchObject({ type: 'outcome', result: 'done', host: intent?.host });
    const status = json<{ payloads: Array<{ name: string; source: string }> }>(await host.xlp(['status', '--json', ...remote]));
    expect(status.payloads).toEqual([expect.objectContaining({ name: 'remote-fix', source: 'xlp' })]);
  });
});

/**
 * The two placements with the real ansible-playbook: the controller driving loopback "dom0s" over
 * xlp's own --host (delegate_to: localhost; the dom0s have only sshd and the Xen tools, here the
 * simulator's byte-faithful fakes), and xlp_payload/xlp_info on a dom0 through a payload's states.
 */
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSimState, initSimState } from '../../src/host/sim/admin.js';
import { ansibleSuiteEnabled, privateAnsible, sha256File, startFleetHost, stopFleet, writeInventory, xlpWrapper, type AnsibleEnv, type FleetHost } from '../helpers/ansible-fleet.js';
import { isolatedEnv } from '../helpers/cli.js';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';

const enabled = ansibleSuiteEnabled('the Ansible placement tests');
const PLAYBOOKS = fileURLToPath(new URL('./playbooks', import.meta.url));

describe.runIf(enabled)('the placements of the modules', () => {
  let ansible: AnsibleEnv;
  let root: string;
  let xlp: string;
  let payload: string;
  let hosts: FleetHost[];
  beforeAll(async () => {
    ansible = await privateAnsible();
    root = await mkdtemp(join(tmpdir(), 'xlp-placements-'));
    xlp = await xlpWrapper(root);
    payload = await buildPayload({ id: 'place_a', returns: '-placea' });
    hosts = [await startFleetHost('dom0-a', root, xlp), await startFleetHost('dom0-b', root, xlp)];
  }, 240_000);
  afterAll(async () => {
    await stopFleet(ansible, hosts ?? [], [root, ansible?.dir].filter((d): d is string => d !== undefined));
  });

  it('on the controller, drives each dom0 over xlp --host and keeps the journals on the controller', async () => {
    const release = join(root, 'release');
    await mkdir(release, { mode: 0o700 });
    await copyFile(payload, join(release, 'fix-a.livepatch'));
    await writeFile(join(release, 'manifest.yaml'), `version: 1\nhypervisors:\n  - build-id: ${TEST_XEN_BUILD_ID}\n    payloads:\n      - name: fix-a\n        file: fix-a.livepatch\n        sha256: "${await sha256File(payload)}"\n        state: applied\n`);
    const journals = join(root, 'controller-journals');
    // The dom0 side: the simulator's xen-livepatch and xl, each dom0 with its own state.
    const dom0s = await Promise.all(hosts.map(async (host) => {
      const remoteState = join(host.home, 'remote', 'state.json');
      await initSimState(remoteState, { buildId: TEST_XEN_BUILD_ID });
      const tool = async (name: string): Promise<string> => {
        const path = join(host.home, `remote-${name}`);
        const fake = fileURLToPath(new URL(`../../bin/sim/${name}`, import.meta.url));
        await writeFile(path, `#!/bin/sh\nXLP_SIM_STATE='${remoteState}' XLP_SIM_BUILD_ID=${TEST_XEN_BUILD_ID} exec '${process.execPath}' '${fake}' "$@"\n`, { mode: 0o755 });
        return path;
      };
      const sshConfig = join(host.home, 'ssh_config');
      await writeFile(sshConfig, `${host.sshd.goodOptions.map((option) => option.replace('=', ' ')).join('\n')}\n`, { mode: 0o600 });
      const controllerHome = join(host.home, 'controller');
      return {
        host,
        remoteState,
        name: host.name,
        vars: () => ({
          ansible_host: '127.0.0.1',
          xlp_bin: xlp,
          xlp_ssh_host: `root@127.0.0.1:${host.sshd.port}`,
          xlp_ssh_config: sshConfig,
          xlp_xen_livepatch: join(host.home, 'remote-xen-livepatch'),
          xlp_xl: join(host.home, 'remote-xl'),
          xlp_environment: isolatedEnv(controllerHome),
        }),
        tools: Promise.all([tool('xen-livepatch'), tool('xl')]),
      };
    }));
    await Promise.all(dom0s.map((d) => d.tools));
    const inventory = await writeInventory(join(root, 'controller.json'), dom0s);
    const args = ['-i', inventory, 'xlp.livepatch.rollout_controller', '-e', `xlp_release=${release}`, '-e', `xlp_journal_dir=${journals}`, '-e', '{"xlp_gate_applied": ["fix-a"]}'];

    const first = await ansible.run(args);
    expect(first.exitCode, first.stdout).toBe(0);
    for (const dom0 of dom0s) {
      const sync = first.of(dom0.name, 'Bring the dom0 to the manifest');
      expect(sync?.result).toMatchObject({ changed: true, host: expect.stringContaining(`127.0.0.1:${dom0.host.sshd.port}`) });
      // The remote hypervisor carries the payload; the module's own host (the simulated one) does not.
      expect((await readSimState(dom0.remoteState, dom0.host.env)).payloads.map((p) => p.name)).toEqual(['fix-a']);
      expect(await dom0.host.loaded()).toEqual([]);
      const journal = await readFile(join(journals, dom0.name, 'audit.jsonl'), 'utf8');
      expect(journal).toContain(`127.0.0.1:${dom0.host.sshd.port}`);
    }
    const second = await ansible.run(args);
    expect(second.exitCode, second.stdout).toBe(0);
    for (const dom0 of dom0s) expect(second.recap[dom0.name]).toMatchObject({ changed: 0, failures: 0 });
  }, 400_000);

  it('on the dom0, takes one payload through its states; failures carry xlp exit and error codes', async () => {
    const host = hosts[0]!;
    await host.reset();
    const inventory = await writeInventory(join(root, 'payload.json'), [host]);
    const run = await ansible.run(['-i', inventory, join(PLAYBOOKS, 'payload.yml'), '-e', `payload=${payload}`, '-e', `payload_sha256=${await sha256File(payload)}`]);
    expect(run.exitCode, run.stdout).toBe(0);
    const task = (name: string) => run.of(host.name, name)?.result;
    expect(task('apply')).toMatchObject({ changed: true, before: 'absent', state: 'APPLIED', steps: ['upload', 'apply'] });
    expect(task('apply again')).toMatchObject({ changed: false, state: 'APPLIED', steps: [] });
    expect(task('info while applied')).toMatchObject({ applied: ['fix-a'], anomalies: [], build_ids: { 'fix-a': expect.stringMatching(/^[0-9a-f]{40}$/) } });
    expect(task('rehearse absent')).toMatchObject({ changed: true, before: 'APPLIED', steps: ['revert', 'unload'] });
    expect(task('absent')).toMatchObject({ changed: true, before: 'APPLIED', state: 'absent', steps: ['revert', 'unload'] });
    expect(task('absent again')).toMatchObject({ changed: false, before: 'absent', state: 'absent' });
    expect(run.of(host.name, 'wrong digest')?.status).toBe('failed');
    expect(run.of(host.name, 'missing xlp')?.status).toBe('failed');
    expect(task('wrong digest')).toMatchObject({ rc: 8, error_code: 'sha256-mismatch', msg: expect.stringContaining('not the pinned') });
    expect(task('missing xlp')).toMatchObject({ rc: 127, error_code: 'xlp-missing', msg: expect.stringContaining('/nonexistent/xlp') });
    expect(JSON.stringify(run.results)).not.toContain('MODULE FAILURE');
    expect(await host.loaded()).toEqual([]);
  }, 300_000);
});

/**
 * The real-Xen VM as one more Ansible host, through the controller placement: the real
 * ansible-playbook runs xlp.livepatch.rollout_controller, whose modules run on this machine and
 * drive the VM's dom0 over xlp --host. The hypervisor is checked through raw ssh (`xl info`,
 * `xen-livepatch list`), never through xlp or Ansible alone.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleSuiteEnabled, privateAnsible, sha256File, writeInventory, xlpWrapper, type AnsibleEnv } from '../helpers/ansible-fleet.js';
import { isolatedEnv } from '../helpers/cli.js';
import { inDom0, isSkip, resetHypervisor, xenLabel, xenVm, xlInfo, type XenVm } from './vm.js';

const vmOrSkip = xenVm();
const enabled = !isSkip(vmOrSkip) && ansibleSuiteEnabled('Ansible against real Xen');

describe.runIf(enabled)(`Ansible rolls a manifest out to real ${xenLabel(vmOrSkip)}`, () => {
  const vm = vmOrSkip as XenVm;
  let ansible: AnsibleEnv;
  let root: string;
  beforeAll(async () => {
    ansible = await privateAnsible();
    root = await mkdtemp(join(tmpdir(), 'xlp-xen-ansible-'));
    await resetHypervisor(vm);
  }, 300_000);
  afterAll(async () => {
    await ansible?.closeConnections();
    if (!isSkip(vmOrSkip)) await resetHypervisor(vm);
    for (const dir of [root, ansible?.dir]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('applies the payload on the hypervisor, and a second run changes nothing', async () => {
    const release = join(root, 'release');
    await mkdir(release, { mode: 0o700 });
    const payload = join(vm.payloadDir, 'xenlab1.livepatch');
    await copyFile(payload, join(release, 'xenlab1.livepatch'));
    await writeFile(join(release, 'manifest.yaml'), `version: 1\nhypervisors:\n  - build-id: ${vm.buildId}\n    payloads:\n      - name: xenlab1\n        file: xenlab1.livepatch\n        sha256: "${await sha256File(payload)}"\n        state: applied\n`);
    const xlp = await xlpWrapper(root);
    const xen = {
      name: 'xen-vm',
      vars: () => ({
        ansible_host: '127.0.0.1',
        xlp_bin: xlp,
        xlp_ssh_host: `root@127.0.0.1:${vm.port}`,
        xlp_ssh_config: vm.sshConfig,
        xlp_environment: isolatedEnv(join(root, 'controller')),
      }),
    };
    const inventory = await writeInventory(join(root, 'inventory.json'), [xen]);
    const args = ['-i', inventory, 'xlp.livepatch.rollout_controller', '-e', `xlp_release=${release}`, '-e', `xlp_journal_dir=${join(root, 'journals')}`, '-e', '{"xlp_gate_applied": ["xenlab1"]}'];

    const first = await ansible.run(args, { timeoutMs: 600_000 });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.of('xen-vm', 'Bring the dom0 to the manifest')?.result).toMatchObject({ changed: true, xen_build_id: vm.buildId });
    const { stdout } = await inDom0(vm, 'xen-livepatch list');
    expect(stdout).toMatch(/xenlab1\s*\|\s*APPLIED/);
    expect(await xlInfo(vm, 'xen_extra')).toBe('-xenlab1');

    const second = await ansible.run(args, { timeoutMs: 600_000 });
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.recap['xen-vm']).toMatchObject({ changed: 0, failures: 0 });
  }, 900_000);
});

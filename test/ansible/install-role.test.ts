/**
 * The role xlp.livepatch.install with the real ansible-playbook and the real npm: the package
 * tarball (`npm pack` of the built tree) goes to a loopback host and is installed globally there,
 * into a prefix private to the test; a second run installs nothing.
 */
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleSuiteEnabled, privateAnsible, startFleetHost, stopFleet, writeInventory, xlpWrapper, type AnsibleEnv, type FleetHost } from '../helpers/ansible-fleet.js';
import { REPO } from '../helpers/cli.js';

const enabled = ansibleSuiteEnabled('the Ansible install role test');
const PLAYBOOK = fileURLToPath(new URL('./playbooks/install.yml', import.meta.url));

describe.runIf(enabled)('the install role', () => {
  let ansible: AnsibleEnv;
  let root: string;
  let host: FleetHost;
  beforeAll(async () => {
    ansible = await privateAnsible();
    root = await mkdtemp(join(tmpdir(), 'xlp-install-role-'));
    host = await startFleetHost('dom0', root, await xlpWrapper(root));
  }, 240_000);
  afterAll(async () => {
    await stopFleet(ansible, host === undefined ? [] : [host], [root, ansible?.dir].filter((d): d is string => d !== undefined));
  });

  it('installs the tarball once, and the installed xlp reports its version', async () => {
    const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: REPO });
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; version: string }>;
    if (packed === undefined) throw new Error(`npm pack reported nothing: ${pack.stdout}`);
    const { filename, version } = packed;
    const prefix = join(root, 'prefix');
    await mkdir(prefix, { mode: 0o700 });
    const inventory = await writeInventory(join(root, 'inventory.json'), [{
      name: 'dom0',
      vars: () => ({
        ...host.vars(),
        xlp_install_tarball: join(root, filename),
        xlp_install_stage: join(host.home, 'install'),
        // npm's global prefix and the PATH that finds what it installs, private to the test.
        install_environment: { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, npm_config_prefix: prefix, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
      }),
    }]);

    const first = await ansible.run(['-i', inventory, PLAYBOOK], { timeoutMs: 400_000 });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.of('dom0', 'xlp.livepatch.install : Install xlp globally from the tarball')?.result.changed).toBe(true);
    const installed = await execa(join(prefix, 'bin', 'xlp'), ['version', '--json'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: host.home } });
    expect(JSON.parse(installed.stdout)).toMatchObject({ name: 'xlp', version });

    const second = await ansible.run(['-i', inventory, PLAYBOOK], { timeoutMs: 400_000 });
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.recap.dom0).toMatchObject({ changed: 0, failures: 0 });
    expect(second.of('dom0', 'xlp.livepatch.install : Install xlp globally from the tarball')?.status).toBe('skipped');
  }, 900_000);
});

/**
 * The example rollout playbook (ansible/playbooks/rollout.yml) run by the real ansible-playbook over
 * ssh against four loopback hosts, the modules on each "dom0" running that host's xlp: a check-mode
 * run that changes nothing, a rollout, a second run that changes nothing, a host failing in the
 * second batch, an unreachable canary and a host whose build-id the manifest does not list.
 */
import { copyFile, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ansibleSuiteEnabled, privateAnsible, sha256File, startFleetHost, stopFleet, writeInventory, xlpWrapper, type AnsibleEnv, type FleetHost } from '../helpers/ansible-fleet.js';
import { buildPayload, TEST_XEN_BUILD_ID } from '../helpers/payloads.js';

const enabled = ansibleSuiteEnabled('the Ansible rollout tests');
const SYNC = 'Bring the host to the manifest';
const OTHER_BUILD_ID = 'ab'.repeat(20);

describe.runIf(enabled)('the rollout playbook, module on each dom0', () => {
  let ansible: AnsibleEnv;
  let root: string;
  let release: string;
  let journals: string;
  let hosts: FleetHost[];
  const playbook = (...extra: string[]): string[] => ['-i', join(root, 'inventory.json'), 'xlp.livepatch.rollout', '-e', `xlp_release=${release}`, '-e', `xlp_journal_dir=${journals}`, ...extra];
  const syncedOn = (run: Awaited<ReturnType<AnsibleEnv['run']>>, host: string) => run.of(host, SYNC);

  beforeAll(async () => {
    ansible = await privateAnsible();
    root = await mkdtemp(join(tmpdir(), 'xlp-fleet-'));
    release = join(root, 'release');
    journals = join(root, 'journals');
    await mkdir(release, { mode: 0o700 });
    const a = await buildPayload({ id: 'ans_a', returns: '-ansa' });
    const b = await buildPayload({ id: 'ans_b', returns: '-ansb', modinfo: ['xsa=466'] });
    await copyFile(a, join(release, 'fix-a.livepatch'));
    await copyFile(b, join(release, 'fix-b.livepatch'));
    await writeFile(join(release, 'manifest.yaml'), [
      'version: 1',
      'hypervisors:',
      `  - build-id: ${TEST_XEN_BUILD_ID}`,
      '    payloads:',
      '      - name: fix-a',
      '        file: fix-a.livepatch',
      `        sha256: "${await sha256File(a)}"`,
      '        state: applied',
      '      - name: fix-b',
      '        file: fix-b.livepatch',
      `        sha256: "${await sha256File(b)}"`,
      '        state: uploaded',
      '',
    ].join('\n'));
    const xlp = await xlpWrapper(root);
    hosts = [];
    for (const name of ['xen1', 'xen2', 'xen3', 'xen4']) hosts.push(await startFleetHost(name, root, xlp));
    await writeInventory(join(root, 'inventory.json'), hosts);
  }, 240_000);
  afterAll(async () => {
    await stopFleet(ansible, hosts ?? [], [root, ansible?.dir].filter((d): d is string => d !== undefined));
  });
  beforeEach(async () => {
    for (const host of hosts) await host.reset();
  });

  it('in check mode says what would change on each host and changes nothing', async () => {
    const before = await Promise.all(hosts.map((h) => h.state()));
    // One batch of all four: the batches themselves are the next test's concern.
    const run = await ansible.run(playbook('--check', '--diff', '-e', '{"xlp_serial": [4]}'));
    expect(run.exitCode, run.stdout).toBe(0);
    for (const host of hosts) {
      const sync = syncedOn(run, host.name);
      expect(sync?.status).toBe('ok');
      expect(sync?.result.changed).toBe(true);
      expect((sync?.result.steps as Array<{ action: string; name: string }>).map((s) => `${s.action} ${s.name}`)).toEqual(['upload fix-a', 'apply fix-a', 'upload fix-b']);
    }
    // --diff prints the steps.
    expect(run.stdout).toContain('1. upload fix-a: fix-a is wanted applied and is not loaded');
    expect(await Promise.all(hosts.map((h) => h.state()))).toEqual(before);
    for (const host of hosts) await expect(stat(host.auditLog)).rejects.toThrow(/ENOENT/);
  }, 300_000);

  it('rolls out everywhere, each host changed once, and a second run changes nothing', async () => {
    const first = await ansible.run(playbook());
    expect(first.exitCode, first.stdout).toBe(0);
    for (const host of hosts) {
      expect(syncedOn(first, host.name)?.result.changed).toBe(true);
      expect(await host.loaded()).toEqual([['fix-a', 'APPLIED'], ['fix-b', 'CHECKED']]);
      // The gate passed and the host's own journal was fetched.
      expect(first.of(host.name, 'Gate the next batch on this one')?.status).toBe('ok');
      const fetched = (await readFile(join(journals, `${host.name}.jsonl`), 'utf8')).trim().split('\n');
      expect(fetched.length).toBeGreaterThan(0);
      expect(fetched.join('\n')).toBe((await readFile(host.auditLog, 'utf8')).trim());
    }
    // The canary alone, then one host per batch (20 % of four, at least one).
    expect(first.stdout.match(/^PLAY \[/gm)).toHaveLength(4);

    const second = await ansible.run(playbook('-e', '{"xlp_serial": [4]}'));
    expect(second.exitCode, second.stdout).toBe(0);
    for (const host of hosts) {
      expect(syncedOn(second, host.name)?.result.changed).toBe(false);
      expect(second.recap[host.name]).toMatchObject({ changed: 0, failures: 0, unreachable: 0 });
    }
  }, 300_000);

  it('stops at a host failing in the second batch: its message in the output, later batches untouched', async () => {
    const xen3 = hosts[2]!;
    const fault = await xen3.xlp('sim', 'fault', 'sync-errno', '--action', 'apply', '--errno', '16', '--persistent');
    expect(fault.exitCode, fault.stderr).toBe(0);
    // Batches: xen1 (the canary), then xen2 and xen3, then xen4.
    const run = await ansible.run(playbook('-e', '{"xlp_serial": [1, 2]}'));
    expect(run.exitCode).toBe(2);
    const failed = syncedOn(run, 'xen3');
    expect(failed?.status).toBe('failed');
    expect(failed?.result).toMatchObject({ rc: expect.any(Number), error_code: expect.any(String), msg: expect.stringContaining('fix-a') });
    expect(failed?.result.rc).not.toBe(0);
    expect(JSON.stringify(failed?.result)).not.toContain('Traceback');
    expect(run.stdout).toContain(`fatal: [xen3]: FAILED!`);
    expect(run.stdout).toContain(String(failed?.result.msg).slice(0, 40));
    expect(run.recap.xen3).toMatchObject({ failures: 1 });
    expect(syncedOn(run, 'xen1')?.result.changed).toBe(true);
    expect(syncedOn(run, 'xen2')?.result.changed).toBe(true);
    // The later batch never ran.
    expect(run.recap.xen4).toBeUndefined();
    expect(run.results.filter((r) => r.host === 'xen4')).toEqual([]);
    expect((await hosts[3]!.state()).payloads).toEqual([]);
    await expect(stat(hosts[3]!.auditLog)).rejects.toThrow(/ENOENT/);
    // xen3's sync undid what it did.
    expect((await xen3.loaded()).filter(([, state]) => state === 'APPLIED')).toEqual([]);
  }, 300_000);

  it('fails a host whose build-id the manifest does not list with xlp exit 15, changing nothing there', async () => {
    const xen1 = hosts[0]!;
    await xen1.reset(OTHER_BUILD_ID);
    const run = await ansible.run(playbook());
    expect(run.exitCode).toBe(2);
    expect(syncedOn(run, 'xen1')?.result).toMatchObject({ rc: 15, error_code: 'unlisted-build', msg: expect.stringContaining(OTHER_BUILD_ID) });
    expect(run.stdout).toContain('fatal: [xen1]: FAILED!');
    expect((await xen1.state()).payloads).toEqual([]);
    // The canary failed: no other host was touched.
    for (const host of hosts.slice(1)) expect(run.recap[host.name]).toBeUndefined();
  }, 300_000);

  it('stops at an unreachable canary before touching any other host', async () => {
    // Nothing listens on 127.0.0.2: the test sshd listens on 127.0.0.1 only.
    const dead = { name: 'gone', vars: () => ({ ...hosts[0]!.vars(), ansible_host: '127.0.0.2' }) };
    await writeInventory(join(root, 'unreachable.json'), [dead, ...hosts.slice(1)]);
    const run = await ansible.run(['-i', join(root, 'unreachable.json'), 'xlp.livepatch.rollout', '-e', `xlp_release=${release}`, '-e', `xlp_journal_dir=${journals}`]);
    expect(run.exitCode).toBe(4);
    expect(run.recap.gone).toMatchObject({ unreachable: 1 });
    expect(run.results.find((r) => r.host === 'gone')?.status).toBe('unreachable');
    for (const host of hosts.slice(1)) {
      expect(run.recap[host.name]).toBeUndefined();
      expect((await host.state()).payloads).toEqual([]);
    }
  }, 300_000);
});

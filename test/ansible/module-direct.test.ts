/**
 * The modules run directly, as Ansible runs them on a host (`python3 MODULE ARGS_FILE`, the
 * collection on PYTHONPATH), without ansible-playbook or ssh: the argument list each one gives xlp,
 * its check mode, and how it maps xlp's error document and a run that prints no JSON. A recording
 * stand-in of xlp shows the exact argv; the built xlp shows the mapping of its real errors.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleSuiteEnabled, installCollection, xlpWrapper } from '../helpers/ansible-fleet.js';
import { isolatedEnv, runXlp } from '../helpers/cli.js';

const enabled = ansibleSuiteEnabled('the Ansible module tests');

interface ModuleResult {
  readonly changed?: boolean;
  readonly failed?: boolean;
  readonly msg?: string;
  readonly rc?: number;
  readonly error_code?: string;
  readonly [key: string]: unknown;
}

describe.runIf(enabled)('the modules run directly', () => {
  let dir: string;
  let root: string;
  let recorder: string;
  const argvFile = (): string => join(dir, 'argv');

  /** Runs one module of the installed collection with these parameters, as Ansible does on a host. */
  async function runModule(module: string, args: Record<string, unknown>, env: Record<string, string> = {}): Promise<ModuleResult> {
    const file = join(dir, 'args.json');
    await writeFile(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: args }), { mode: 0o600 });
    const result = await execa('/usr/bin/python3', [join(root, 'plugins', 'modules', `${module}.py`), file], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: join(dir, 'collections'), RECORD: argvFile(), ...env },
      extendEnv: false,
      reject: false,
    });
    expect(result.stdout, result.stderr).not.toContain('Traceback');
    return JSON.parse(result.stdout) as ModuleResult;
  }
  const recorded = async (): Promise<string[]> => (await readFile(argvFile(), 'utf8')).split('\0').slice(0, -1);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xlp-module-'));
    ({ root } = await installCollection(dir));
    // Records its arguments NUL-separated, prints the document in $REPLY and exits $CODE.
    recorder = join(dir, 'xlp-recorder');
    await writeFile(recorder, '#!/bin/sh\nprintf "%s\\0" "$@" > "$RECORD"\nprintf "%s" "$REPLY"\nprintf "%s" "$ERR" >&2\nexit "${CODE:-0}"\n', { mode: 0o755 });
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const unchanged = JSON.stringify({ schemaVersion: 1, host: 'h', manifest: '/m', xenBuildId: 'ab', differences: [], unmanaged: [], dryRun: false, result: 'unchanged', steps: [] });

  it('xlp_sync gives xlp one argument per value, the host options, and --dry-run in check mode', async () => {
    const manifest = join(dir, "site $(touch pwned); 'x'.yaml");
    const args = { xlp: recorder, manifest, backend: 'sim', sim_state: '/s/state.json', audit_log: '/a/audit.jsonl', timeout: 5, unmanaged: 'remove' };
    const result = await runModule('xlp_sync', args, { REPLY: unchanged });
    expect(result).toMatchObject({ changed: false, steps: [], xen_build_id: 'ab' });
    expect(await recorded()).toEqual(['sync', '-f', manifest, '--unmanaged', 'remove', '--backend', 'sim', '--sim-state', '/s/state.json', '--audit-log', '/a/audit.jsonl', '--timeout', '5', '--json']);

    await runModule('xlp_sync', { ...args, _ansible_check_mode: true }, { REPLY: unchanged });
    expect(await recorded()).toEqual(['sync', '-f', manifest, '--unmanaged', 'remove', '--dry-run', '--backend', 'sim', '--sim-state', '/s/state.json', '--audit-log', '/a/audit.jsonl', '--timeout', '5', '--json']);
  });

  it('xlp_info passes only the options status takes', async () => {
    const status = JSON.stringify({ schemaVersion: 1, host: 'h', journal: { path: '/a', exists: false, records: 0 }, payloads: [], anomalies: [] });
    const result = await runModule('xlp_info', { xlp: recorder, host: 'root@dom0:2222', audit_log: '/a/audit.jsonl', timeout: 5, lock_timeout: 9 }, { REPLY: status });
    expect(result).toMatchObject({ changed: false, payloads: [], applied: [], anomalies: [], advisories: { xsa: [], cve: [] } });
    expect(await recorded()).toEqual(['status', '--host', 'root@dom0:2222', '--audit-log', '/a/audit.jsonl', '--json']);
  });

  it('fails with the last line xlp printed when it prints no JSON document', async () => {
    const result = await runModule('xlp_sync', { xlp: recorder, manifest: '/m.yaml' }, { REPLY: 'not json', ERR: 'first\nSegmentation fault', CODE: '139' });
    expect(result).toMatchObject({ failed: true, rc: 139, error_code: 'no-json', msg: 'xlp printed no JSON document (exit 139): Segmentation fault' });
  });

  it("returns xlp's own error (message, exit code, error code, hint) as the task's failure", async () => {
    const home = join(dir, 'home');
    const env = isolatedEnv(home);
    const xlp = await xlpWrapper(dir);
    const manifest = join(dir, 'bad.yaml');
    await writeFile(manifest, 'version: 2\nhypervisors: []\n');
    const direct = await runXlp(['sync', '-f', manifest, '--backend', 'sim', '--sim-state', join(home, 'sim', 'state.json'), '--json'], env);
    const { error } = JSON.parse(direct.stdout) as { error: { code: string; exitCode: number; message: string; hint: string } };
    expect(direct.exitCode).not.toBe(0);

    const result = await runModule('xlp_sync', { xlp, manifest, backend: 'sim', sim_state: join(home, 'sim', 'state.json') }, env);
    expect(result).toMatchObject({ failed: true, msg: error.message, rc: direct.exitCode, error_code: error.code, hint: error.hint });
  });
});

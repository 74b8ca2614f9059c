/**
 * A fleet of "Xen hosts" for the Ansible tests: each a real sshd on 127.0.0.1 (its own port, keys
 * and known_hosts), with its own simulated hypervisor state, its own xlp journal and xlp directories;
 * `xlp` on each is the built CLI behind a wrapper script. The collection is built and installed with
 * the real ansible-galaxy, and playbooks run with the real ansible-playbook, its configuration and
 * temporary directories private to the run. Needs root, openssh-server and ansible-core.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { initSimState, readSimState } from '../../src/host/sim/admin.js';
import type { SimState } from '../../src/host/sim/state.js';
import { isolatedEnv, REPO, runXlp, XLP_BIN, type CliResult } from './cli.js';
import { TEST_XEN_BUILD_ID } from './payloads.js';
import { sshdUnavailableReason, startSshd, type SshdFixture } from './sshd-fixture.js';

export const COLLECTION_SRC = join(REPO, 'ansible');
export const CALLBACKS = join(REPO, 'test', 'ansible', 'callback_plugins');

function hasProgram(program: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the Ansible tests cannot run here, or undefined when they can. */
export function ansibleUnavailableReason(): string | undefined {
  for (const program of ['ansible-playbook', 'ansible-galaxy', 'ansible-doc']) {
    if (!hasProgram(program)) return `${program} is not installed (apt-get install -y --no-install-recommends ansible-core)`;
  }
  return sshdUnavailableReason();
}

/** Like sshdSuiteEnabled: a skip with a message locally, a failure under CI, so the tier cannot vanish. */
export function ansibleSuiteEnabled(suite: string): boolean {
  const reason = ansibleUnavailableReason();
  if (reason === undefined) return true;
  if (process.env.CI !== undefined) throw new Error(`${suite} must run in CI, but ${reason}`);
  console.warn(`skipping ${suite}: ${reason}`);
  return false;
}

/** One task result as the test callback (test/ansible/callback_plugins/xlp_results.py) records it. */
export interface TaskResult {
  readonly host: string;
  readonly task: string;
  readonly action: string;
  readonly status: 'ok' | 'failed' | 'unreachable' | 'skipped';
  readonly result: Record<string, unknown> & { changed?: boolean; msg?: string; rc?: number; error_code?: string };
}

export interface Recap {
  readonly ok: number;
  readonly changed: number;
  readonly failures: number;
  readonly unreachable: number;
  readonly skipped: number;
}

export interface PlaybookRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly results: readonly TaskResult[];
  readonly recap: Readonly<Record<string, Recap>>;
  /** The results of one task (by its name) on one host. */
  of(host: string, task: string): TaskResult | undefined;
}

/** A private Ansible: its configuration, collection path, temporary directories and callback. */
export interface AnsibleEnv {
  readonly dir: string;
  readonly collections: string;
  run(args: readonly string[], options?: { cwd?: string; timeoutMs?: number }): Promise<PlaybookRun>;
  /** Ends ansible's persistent ssh connections (ControlPersist), which would keep the sshds' sessions open. */
  closeConnections(): Promise<void>;
}

/** Builds the collection with ansible-galaxy and installs the tarball, as a user would. */
export async function installCollection(dir: string): Promise<{ tarball: string; root: string }> {
  const built = join(dir, 'built');
  await execa('ansible-galaxy', ['collection', 'build', COLLECTION_SRC, '--output-path', built], { env: ansibleBaseEnv(dir) });
  const { stdout } = await execa('ls', [built]);
  const tarball = join(built, stdout.trim());
  await execa('ansible-galaxy', ['collection', 'install', tarball, '-p', join(dir, 'collections')], { env: ansibleBaseEnv(dir) });
  return { tarball, root: join(dir, 'collections', 'ansible_collections', 'xlp', 'livepatch') };
}

/** The environment of every Ansible program in the tests: nothing from the machine's or user's configuration. */
export function ansibleBaseEnv(dir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(dir, 'home'),
    LANG: 'C.UTF-8',
    ANSIBLE_CONFIG: join(dir, 'ansible.cfg'),
    ANSIBLE_COLLECTIONS_PATH: join(dir, 'collections'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'local-tmp'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'remote-tmp'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_PIPELINING: 'true',
    ANSIBLE_CALLBACK_PLUGINS: CALLBACKS,
    ANSIBLE_CALLBACKS_ENABLED: 'xlp_results',
  };
}

export async function privateAnsible(): Promise<AnsibleEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'xlp-ansible-'));
  await mkdir(join(dir, 'home'), { mode: 0o700 });
  // An empty configuration of its own, so no ansible.cfg of the machine or the user takes part.
  await writeFile(join(dir, 'ansible.cfg'), '[defaults]\n', { mode: 0o600 });
  const { root } = await installCollection(dir);
  let runs = 0;
  return {
    dir,
    collections: root,
    closeConnections: async () => {
      const sockets = await readdir(join(dir, 'cp')).catch(() => [] as string[]);
      await Promise.all(sockets.map((socket) => execa('ssh', ['-o', `ControlPath=${join(dir, 'cp', socket)}`, '-O', 'exit', 'ansible-master'], { reject: false })));
    },
    run: async (args, options = {}) => {
      runs += 1;
      const resultsFile = join(dir, `results-${runs}.json`);
      const result = await execa('ansible-playbook', [...args], {
        env: { ...ansibleBaseEnv(dir), XLP_ANSIBLE_RESULTS: resultsFile },
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        cwd: options.cwd ?? dir,
        timeout: options.timeoutMs ?? 240_000,
      });
      const text = await readFile(resultsFile, 'utf8').catch(() => undefined);
      if (text === undefined) throw new Error(`ansible-playbook wrote no results (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
      const parsed = JSON.parse(text) as { results: TaskResult[]; recap: Record<string, Recap> };
      return {
        exitCode: result.exitCode ?? -1,
        stdout: String(result.stdout),
        stderr: String(result.stderr),
        results: parsed.results,
        recap: parsed.recap,
        of: (host, task) => parsed.results.find((r) => r.host === host && r.task === task),
      };
    },
  };
}

/** One host of the fleet: its sshd, and its own xlp world. */
export interface FleetHost {
  readonly name: string;
  readonly sshd: SshdFixture;
  /** The host's private directory: sim state, journal, xlp's directories, the staged release. */
  readonly home: string;
  readonly simState: string;
  readonly auditLog: string;
  /** The environment xlp runs with on this host (also given to the playbook as xlp_environment). */
  readonly env: Record<string, string>;
  /** Inventory variables of this host. */
  vars(): Record<string, unknown>;
  /** xlp on this host, run directly (for setting up and checking, not through Ansible). */
  xlp(...args: string[]): Promise<CliResult>;
  /** Each loaded payload's name and state, as `xlp list` reports them. */
  loaded(): Promise<Array<[string, string]>>;
  state(): Promise<SimState>;
  reset(buildId?: string): Promise<void>;
}

/** A wrapper script that runs the built CLI: the `xlp` the modules are given. */
export async function xlpWrapper(dir: string): Promise<string> {
  const path = join(dir, 'xlp');
  await writeFile(path, `#!/bin/sh\nexec '${process.execPath}' '${XLP_BIN}' "$@"\n`, { mode: 0o755 });
  return path;
}

/** ssh options as ansible_ssh_common_args: `-o Key=Value` each. */
export const sshArgs = (options: readonly string[]): string => options.map((option) => `-o ${option}`).join(' ');

export async function startFleetHost(name: string, root: string, xlp: string, buildId = TEST_XEN_BUILD_ID): Promise<FleetHost> {
  const sshd = await startSshd();
  const home = join(root, name);
  const simState = join(home, 'sim', 'state.json');
  const auditLog = join(home, 'audit', 'audit.jsonl');
  const env = isolatedEnv(home, { XLP_SIM_BUILD_ID: buildId });
  const host: FleetHost = {
    name,
    sshd,
    home,
    simState,
    auditLog,
    env,
    vars: () => ({
      ansible_host: '127.0.0.1',
      ansible_port: sshd.port,
      ansible_user: 'root',
      ansible_ssh_common_args: sshArgs(sshd.goodOptions),
      ansible_python_interpreter: '/usr/bin/python3',
      xlp_bin: xlp,
      xlp_backend: 'sim',
      xlp_sim_state: simState,
      xlp_audit_log: auditLog,
      xlp_stage_dir: join(home, 'stage'),
      xlp_environment: env,
    }),
    xlp: (...args) => runXlp(args, { ...env, XLP_SIM_STATE: simState }),
    loaded: async () => {
      const listed = await runXlp(['list', '--json', '--backend', 'sim', '--sim-state', simState], env);
      if (listed.exitCode !== 0) throw new Error(`xlp list failed: ${listed.stdout}${listed.stderr}`);
      return (JSON.parse(listed.stdout) as { payloads: Array<{ name: string; state: string }> }).payloads.map((p) => [p.name, p.state]);
    },
    state: () => readSimState(simState, env),
    // A fresh host: no journal, no kept payloads, no staged release, a hypervisor with nothing loaded.
    reset: async (id = buildId) => {
      await rm(home, { recursive: true, force: true });
      await mkdir(home, { mode: 0o700 });
      await initSimState(simState, { buildId: id });
    },
  };
  await host.reset();
  return host;
}

/** A YAML (JSON) inventory: every host in group `xen`, in the order given (the order serial batches take). */
export async function writeInventory(path: string, hosts: readonly { name: string; vars: () => Record<string, unknown> }[]): Promise<string> {
  const inventory = { xen: { hosts: Object.fromEntries(hosts.map((h) => [h.name, h.vars()])) } };
  await writeFile(path, JSON.stringify(inventory, null, 2), { mode: 0o600 });
  return path;
}

export async function stopFleet(ansible: AnsibleEnv | undefined, hosts: readonly FleetHost[], dirs: readonly string[]): Promise<void> {
  await ansible?.closeConnections();
  await Promise.all(hosts.map((h) => h.sshd.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

#!/usr/bin/env node
/**
 * xlp through Ansible: one `ansible-playbook` run of xlp.livepatch.xlp_sync against 20 loopback
 * hosts at forks 10 (127.0.0.1 to 127.0.0.20, each its own ssh connection, served by two real sshds
 * of ten addresses each: sshd listens on at most 16 sockets), against the same run on one host, and
 * against `xlp sync` run by hand 20 times in a row; and the module's per-host overhead over xlp
 * alone. Every host has its own simulated hypervisor, reset before each round, so every sync takes
 * three steps (uploads and applies one payload, uploads another).
 * Needs root, openssh-server, ansible-core, gcc (the payloads) and `npm run build`.
 * Usage: node bench/ansible.mjs [rounds]   (default 3)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const XLP_BIN = join(REPO, 'bin', 'run.js');
const ROUNDS = Number(process.argv[2] ?? 3);
const HOSTS = 20;
const FORKS = 10;
const XEN = '151b373fd64b321593bf987fd923cd10dabadac4';

for (const program of ['ansible-playbook', 'ansible-galaxy', '/usr/sbin/sshd', 'gcc']) {
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' }).status === 0;
  if (!found) {
    console.log(`bench/ansible.mjs needs ${program}: skipped`);
    process.exit(0);
  }
}
if (process.getuid?.() !== 0) {
  console.log('bench/ansible.mjs needs root (the sshd): skipped');
  process.exit(0);
}

const run = (program, args, options = {}) => execFileSync(program, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
const dir = await mkdtemp(join(tmpdir(), 'xlp-bench-ansible-'));
const file = (name) => join(dir, name);
let sshds = [];
try {
  // The payloads and the manifest.
  const release = file('release');
  await mkdir(release, { mode: 0o700 });
  const entries = [];
  for (const [name, id] of [['fix-a', 'bench_a'], ['fix-b', 'bench_b']]) {
    const out = join(release, `${name}.livepatch`);
    run('bash', [join(REPO, 'scripts', 'mkpayload.sh'), '--out', out, '--xen-build-id', XEN, '--id', id, '--returns', `-${id}`]);
    entries.push(`      - name: ${name}\n        file: ${name}.livepatch\n        sha256: "${createHash('sha256').update(readFileSync(out)).digest('hex')}"\n        state: ${name === 'fix-a' ? 'applied' : 'uploaded'}`);
  }
  const manifest = join(release, 'manifest.yaml');
  await writeFile(manifest, `version: 1\nhypervisors:\n  - build-id: ${XEN}\n    payloads:\n${entries.join('\n')}\n`);

  // Twenty loopback addresses, one host each.
  for (const key of ['host_key', 'client_key']) run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file(key)]);
  const port = 20000 + (process.pid % 20000);
  const addresses = Array.from({ length: HOSTS }, (_, i) => `127.0.0.${i + 1}`);
  await writeFile(file('authorized_keys'), readFileSync(file('client_key.pub')), { mode: 0o600 });
  await writeFile(file('known_hosts'), addresses.map((a) => `[${a}]:${port} ${readFileSync(file('host_key.pub'), 'utf8').trim()}`).join('\n') + '\n');
  // sshd listens on at most 16 sockets (MAX_LISTEN_SOCKS): two servers, ten addresses each.
  const halves = [addresses.slice(0, HOSTS / 2), addresses.slice(HOSTS / 2)];
  const common = [`HostKey ${file('host_key')}`, `AuthorizedKeysFile ${file('authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', 'StrictModes no', 'UsePAM no', 'MaxStartups 100', 'MaxSessions 100'];
  for (const [i, half] of halves.entries()) await writeFile(file(`sshd_config${i}`), [...half.map((a) => `ListenAddress ${a}:${port}`), `PidFile ${file(`sshd${i}.pid`)}`, ...common].join('\n') + '\n');
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const { spawn } = await import('node:child_process');
  let sshdLog = '';
  sshds = halves.map((_, i) => spawn('/usr/sbin/sshd', ['-D', '-e', '-f', file(`sshd_config${i}`)], { stdio: ['ignore', 'ignore', 'pipe'] }));
  for (const server of sshds) server.stderr.on('data', (chunk) => (sshdLog += chunk));
  // Every address must answer with sshd's banner before the first round.
  const banner = (address) => new Promise((resolve) => {
    const socket = connect(port, address);
    socket.setTimeout(500);
    socket.once('data', (data) => { socket.destroy(); resolve(String(data).startsWith('SSH-2.0')); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
  for (const address of addresses) {
    let up = false;
    for (let attempt = 0; attempt < 200 && !up; attempt++) {
      up = await banner(address);
      if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!up) throw new Error(`the bench sshd does not answer on ${address}:${port}:\n${sshdLog}`);
  }

  // xlp behind a wrapper, as on a dom0; each host's own world.
  const xlp = file('xlp');
  await writeFile(xlp, `#!/bin/sh\nexec '${process.execPath}' '${XLP_BIN}' "$@"\n`, { mode: 0o755 });
  const hostHome = (i) => file(`host${i}`);
  const envOf = (home) => ({ HOME: home, XLP_DATA_DIR: join(home, 'data'), XLP_STATE_DIR: join(home, 'state'), XLP_RUNTIME_DIR: join(home, 'run'), XLP_CONFIG_DIR: join(home, 'config'), NO_COLOR: '1' });
  const vars = (i) => ({
    ansible_host: addresses[i], ansible_port: port, ansible_user: 'root', ansible_python_interpreter: '/usr/bin/python3',
    ansible_ssh_common_args: `-o IdentityFile=${file('client_key')} -o IdentitiesOnly=yes -o UserKnownHostsFile=${file('known_hosts')} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes`,
    xlp_sim_state: join(hostHome(i), 'sim', 'state.json'), xlp_audit_log: join(hostHome(i), 'audit', 'audit.jsonl'), xlp_environment: envOf(hostHome(i)),
  });
  for (let i = 0; i < HOSTS; i++) await mkdir(hostHome(i), { mode: 0o700 });
  const inventory = async (count, name) => {
    const path = file(name);
    await writeFile(path, JSON.stringify({ xen: { hosts: Object.fromEntries(Array.from({ length: count }, (_, i) => [`xen${i + 1}`, vars(i)])) } }));
    return path;
  };
  const fleet = await inventory(HOSTS, 'fleet.json');
  const single = await inventory(1, 'single.json');
  await writeFile(file('sync.yml'), `- hosts: xen\n  gather_facts: false\n  environment: "{{ xlp_environment }}"\n  tasks:\n    - xlp.livepatch.xlp_sync:\n        xlp: ${xlp}\n        manifest: ${manifest}\n        backend: sim\n        sim_state: "{{ xlp_sim_state }}"\n        audit_log: "{{ xlp_audit_log }}"\n`);

  // A private Ansible with the collection installed from its tarball.
  await mkdir(file('home'), { mode: 0o700 });
  await writeFile(file('ansible.cfg'), '[defaults]\n');
  const ansibleEnv = { PATH: process.env.PATH, HOME: file('home'), LANG: 'C.UTF-8', ANSIBLE_CONFIG: file('ansible.cfg'), ANSIBLE_COLLECTIONS_PATH: file('collections'), ANSIBLE_LOCAL_TEMP: file('ltmp'), ANSIBLE_REMOTE_TEMP: file('rtmp'), ANSIBLE_SSH_CONTROL_PATH_DIR: file('cp'), ANSIBLE_PIPELINING: 'true', ANSIBLE_NOCOLOR: '1', ANSIBLE_FORKS: String(FORKS) };
  run('ansible-galaxy', ['collection', 'build', join(REPO, 'ansible'), '--output-path', file('built')], { env: ansibleEnv });
  const tarball = join(file('built'), run('ls', [file('built')]).toString().trim());
  run('ansible-galaxy', ['collection', 'install', tarball, '-p', file('collections')], { env: ansibleEnv });

  const reset = async (count) => {
    for (let i = 0; i < count; i++) {
      await rm(hostHome(i), { recursive: true, force: true });
      await mkdir(hostHome(i), { mode: 0o700 });
      run(process.execPath, [XLP_BIN, 'sim', 'reset', '--build-id', XEN, '--sim-state', vars(i).xlp_sim_state], { env: { PATH: process.env.PATH, ...envOf(hostHome(i)) } });
    }
  };
  const timed = (body) => {
    const start = performance.now();
    body();
    return performance.now() - start;
  };
  const playbook = (inv) => {
    const result = spawnSync('ansible-playbook', ['-i', inv, file('sync.yml')], { env: ansibleEnv, encoding: 'utf8' });
    if (result.status !== 0 || !/changed=1/.test(result.stdout)) throw new Error(`ansible-playbook failed:\n${result.stdout}\n${result.stderr}`);
  };
  const byHand = (count) => {
    for (let i = 0; i < count; i++) {
      const v = vars(i);
      run(process.execPath, [XLP_BIN, 'sync', '-f', manifest, '--json', '--backend', 'sim', '--sim-state', v.xlp_sim_state, '--audit-log', v.xlp_audit_log], { env: { PATH: process.env.PATH, ...v.xlp_environment } });
    }
  };

  const sides = {
    [`ansible-playbook, ${HOSTS} hosts, forks ${FORKS}`]: async () => { await reset(HOSTS); return timed(() => playbook(fleet)); },
    'ansible-playbook, 1 host': async () => { await reset(1); return timed(() => playbook(single)); },
    [`xlp sync by hand, ${HOSTS} hosts in a row`]: async () => { await reset(HOSTS); return timed(() => byHand(HOSTS)); },
    'xlp sync by hand, 1 host': async () => { await reset(1); return timed(() => byHand(1)); },
  };
  const samples = Object.fromEntries(Object.keys(sides).map((side) => [side, []]));
  const load = [loadavg()[0]];
  // Round 0 warms the caches (ansible's, the payload files', Node's) and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [side, measure] of Object.entries(sides)) {
      const ms = await measure();
      if (round > 0) samples[side].push(ms);
    }
    load.push(loadavg()[0]);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const m = Object.fromEntries(Object.entries(samples).map(([side, values]) => [side, median(values)]));
  const [fleetSide, oneSide, handSide, handOne] = Object.keys(sides);
  console.log(`${new Date().toISOString().slice(0, 10)}, ${ROUNDS} rounds, load average ${Math.min(...load).toFixed(1)}-${Math.max(...load).toFixed(1)}, median wall time:`);
  console.log('| | wall |\n|---|---|');
  for (const side of Object.keys(sides)) console.log(`| ${side} | ${(m[side] / 1000).toFixed(2)} s |`);
  console.log(`\n${HOSTS} hosts take ${(m[fleetSide] / m[oneSide]).toFixed(2)}x one host's run, ${(m[fleetSide] / m[handSide]).toFixed(2)}x xlp by hand ${HOSTS} times in a row.`);
  console.log(`Per host, the module over xlp alone: ${((m[oneSide] - m[handOne]) / 1000).toFixed(2)} s on one host; at forks ${FORKS}, ${(m[fleetSide] / HOSTS / 1000).toFixed(2)} s of wall time per host against ${(m[handSide] / HOSTS / 1000).toFixed(2)} s by hand.`);
} finally {
  for (const server of sshds) server.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}

#!/usr/bin/env node
/**
 * xlp against a real hypervisor: boots the Xen 4.17 VM of the real-Xen test tier (scripts/xen-vm/,
 * QEMU TCG) and compares, interleaved round by round, `xlp apply NAME --host xlp-xen-vm
 * --ssh-config FILE --json` with the raw tool over ssh, `ssh -F FILE xlp-xen-vm xen-livepatch apply
 * NAME`: once as the VM's ssh config makes it (a ControlMaster shared between runs, so no login) and
 * once with a fresh login (`-o ControlPath=none`, what xlp's own per-run connection costs), with
 * `node -e 0` as the yardstick of xlp's overhead. The payload is reverted with the raw tool,
 * untimed, before every timed apply; every output is checked.
 * The VM is always stopped (scripts/xen-vm/stop.sh), on failure and on Ctrl-C too.
 * Runs only when asked: XLP_BENCH_REAL_XEN=1 and qemu-system-x86_64 installed; otherwise it says
 * why and exits 0. Needs `npm run build`. Usage: XLP_BENCH_REAL_XEN=1 node bench/real-xen.mjs [rounds]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SCRIPTS = join(REPO, 'scripts', 'xen-vm');
const XLP = join(REPO, 'bin', 'run.js');
const HOST = 'xlp-xen-vm';
const NAME = 'xenlab1';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function script(name, args = []) {
  const result = spawnSync('bash', [join(SCRIPTS, name), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`scripts/xen-vm/${name} exited ${result.status ?? result.signal}`);
  return result.stdout;
}

function hasQemu() {
  return spawnSync('sh', ['-c', 'command -v qemu-system-x86_64'], { stdio: 'ignore' }).status === 0;
}

export function runRealXenBench({ rounds = 11 } = {}) {
  if (process.env.XLP_BENCH_REAL_XEN !== '1') {
    console.log('real-Xen bench skipped: set XLP_BENCH_REAL_XEN=1 to boot the Xen 4.17 VM (about a minute of both cores)');
    return undefined;
  }
  if (!hasQemu()) {
    console.log('real-Xen bench skipped: qemu-system-x86_64 is not installed (bash scripts/xen-vm/fetch.sh as root installs it)');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xlp-bench-real-xen-'));
  const stop = () => {
    try {
      script('stop.sh');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const onSignal = (signal) => {
    stop();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    script('stop.sh'); // a VM left over from an interrupted run
    script('fetch.sh');
    script('build-initramfs.sh');
    const payloads = join(dir, 'payloads');
    script('build-payloads.sh', [payloads]);
    const vm = Object.fromEntries(
      script('boot.sh', ['--lifetime', '900'])
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    return bench(dir, rounds, vm, join(payloads, `${NAME}.livepatch`));
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    stop();
  }
}

function bench(dir, rounds, vm, payload) {
  const sshConfig = vm.XEN_VM_SSH_CONFIG;
  // One minimal environment for every side: no agent, no NODE_EXTRA_CA_CERTS, private xlp state.
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    XLP_DATA_DIR: join(dir, 'data'),
    XLP_STATE_DIR: join(dir, 'state'),
    XLP_RUNTIME_DIR: join(dir, 'run'),
    XLP_CONFIG_DIR: join(dir, 'config'),
    XLP_AUDIT_LOG: join(dir, 'audit.jsonl'),
    NO_COLOR: '1',
  };
  function run(command, args) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`);
    return { ms, stdout: result.stdout };
  }
  const xlp = (...args) => [process.execPath, [XLP, ...args, '--host', HOST, '--ssh-config', sshConfig, '--json']];
  const raw = (extra, ...command) => ['ssh', ['-F', sshConfig, ...extra, HOST, ...command]];
  const expect = (what, out, wanted) => {
    if (out !== wanted) throw new Error(`${what} printed ${JSON.stringify(out)}, not ${JSON.stringify(wanted)}`);
  };

  // Uploaded by xlp (untimed), so that xlp's record knows the payload as it would on a real host.
  const uploaded = JSON.parse(run(...xlp('upload', NAME, payload)).stdout);
  if (uploaded.state !== 'CHECKED') throw new Error(`xlp upload left ${NAME} ${uploaded.state}`);

  const sides = [
    { side: 'node -e 0', cmd: [process.execPath, ['-e', '0']], check: () => {}, keepsState: true },
    { side: 'ssh (shared connection)', cmd: raw([], 'xen-livepatch', 'apply', NAME), check: (out) => expect('raw apply', out, `Applying ${NAME}... completed\n`) },
    {
      side: 'ssh (fresh login)',
      cmd: raw(['-o', 'ControlPath=none'], 'xen-livepatch', 'apply', NAME),
      check: (out) => expect('raw apply', out, `Applying ${NAME}... completed\n`),
    },
    {
      side: 'xlp apply',
      cmd: xlp('apply', NAME),
      check: (out) => {
        const result = JSON.parse(out);
        if (result.operation !== 'apply' || result.result !== 'done' || result.state !== 'APPLIED') throw new Error(`xlp apply: ${out}`);
      },
    },
  ];
  /** Untimed: back to CHECKED (the first time, after the upload, there is nothing to revert). */
  const revert = () => {
    const out = run(...raw([], 'xen-livepatch', 'revert', NAME)).stdout;
    if (out !== `Reverting ${NAME}... completed\n` && out !== 'No action needed.\n') throw new Error(`raw revert printed ${JSON.stringify(out)}`);
  };
  const samples = sides.map(() => []);
  const load = [loadavg()[0]];
  for (let round = 0; round <= rounds; round++) {
    sides.forEach(({ cmd, check, keepsState }, i) => {
      if (!keepsState) revert();
      const { ms, stdout } = run(...cmd);
      check(stdout);
      if (round > 0) samples[i].push(ms); // the first round opens the shared connection
    });
  }
  load.push(loadavg()[0]);
  revert();

  const medians = samples.map(median);
  const [node, shared, fresh, withXlp] = medians;
  console.log(`Xen 4.17 under QEMU TCG, median wall time of ${rounds} rounds (load average ${load.map((l) => l.toFixed(2)).join(' -> ')})`);
  sides.forEach(({ side }, i) => {
    const ratios = i === 0 ? '' : `${(medians[i] / shared).toFixed(2)}x shared, ${(medians[i] / fresh).toFixed(2)}x fresh login`;
    console.log(`${side.padEnd(26)} ${medians[i].toFixed(0).padStart(6)} ms   ${ratios}`);
  });
  console.log(`xlp's overhead over a fresh-login ssh apply: ${(withXlp - fresh).toFixed(0)} ms, ${((withXlp - fresh) / node).toFixed(2)}x node -e 0`);
  return {
    rounds,
    loadAverage: load,
    bootSeconds: Number(vm.XEN_VM_BOOT_SECONDS),
    nodeMs: node,
    sshSharedMs: shared,
    sshFreshMs: fresh,
    xlpApplyMs: withXlp,
    ratioShared: withXlp / shared,
    ratioFresh: withXlp / fresh,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runRealXenBench({ rounds: Number(process.argv[2] ?? 11) });

#!/usr/bin/env node
/**
 * Start-up and overhead of the CLI, side by side in one run, measurements interleaved so the
 * machine's load drifts equally over both sides:
 *  1. `xlp list --json` on the simulated host against `node -e 0` (goal: at most 2.0x), without and
 *     with a config file (every command reads and checks it: src/config/);
 *  2. `xlp apply` through the fake xen-livepatch against the fake alone doing the same apply;
 *     xlp's own overhead (the difference of the medians) against `node -e 0` (goal: at most 1.0x).
 * Needs `npm run build` and gcc/binutils (one real payload is built). Usage: node bench/startup.mjs [rounds]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 21);
const BUILD_ID = '151b373fd64b321593bf987fd923cd10dabadac4';
const XLP = join(REPO, 'bin', 'run.js');
const FAKE = join(REPO, 'bin', 'sim', 'xen-livepatch');

const dir = mkdtempSync(join(tmpdir(), 'xlp-bench-startup-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const env = {
  PATH: process.env.PATH,
  HOME: dir,
  XLP_SIM_STATE: join(dir, 'sim', 'state.json'),
  XLP_SIM_BUILD_ID: BUILD_ID,
  XLP_DATA_DIR: join(dir, 'data'),
  XLP_STATE_DIR: join(dir, 'state'),
  XLP_RUNTIME_DIR: join(dir, 'run'),
  XLP_AUDIT_LOG: join(dir, 'audit.jsonl'),
  NO_COLOR: '1',
};

// A user config with a setting in each section, for the runs that read one.
const configDir = join(dir, 'config');
mkdirSync(configDir, { mode: 0o700 });
writeFileSync(join(configDir, 'config.json'), JSON.stringify({ verify: { requireSignature: true }, host: { timeout: 30, lockTimeout: 60 }, audit: { syslog: 'authpriv.notice' } }, null, 2), { mode: 0o600 });
const withConfig = { ...env, XLP_CONFIG_DIR: configDir };

/** Wall time of one run in ms; a failing run aborts the benchmark (a fast failure measures nothing). */
function timed(command, args, runEnv = env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`);
  return ms;
}

const run = (command, args) => execFileSync(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Interleaves the measured commands round by round; `between` restores the state untimed. */
function compare(cases, between = () => {}) {
  const samples = cases.map(() => []);
  for (let round = 0; round < ROUNDS + 1; round++) {
    cases.forEach(([command, args, runEnv], i) => {
      between();
      const ms = timed(command, args, runEnv);
      if (round > 0) samples[i].push(ms); // the first round warms the disk cache
    });
  }
  return samples.map(median);
}

export function runStartupBench() {
  const payload = join(dir, 'xsa.livepatch');
  run('bash', [join(REPO, 'scripts', 'mkpayload.sh'), '--out', payload, '--xen-build-id', BUILD_ID]);
  run(process.execPath, [XLP, 'sim', 'reset', '--build-id', BUILD_ID]);
  run(process.execPath, [XLP, 'upload', 'xsa', payload, '--backend', 'sim', '-q']);

  const [node, list, listConfig] = compare([
    [process.execPath, ['-e', '0']],
    [process.execPath, [XLP, 'list', '--json', '--backend', 'sim']],
    [process.execPath, [XLP, 'list', '--json', '--backend', 'sim'], withConfig],
  ]);
  const listRatio = list / node;
  const listConfigRatio = listConfig / node;

  // The payload was uploaded through --backend sim, another host to xlp's record than the fake
  // reached as xen-livepatch: without --accept-unverified xlp refuses to vouch for it (exit 13).
  const xlpApply = [process.execPath, [XLP, 'apply', 'xsa', '--json', '--accept-unverified', '--backend', 'xen-livepatch', '--xen-livepatch', FAKE, '--xl', join(REPO, 'bin', 'sim', 'xl')]];
  const fakeApply = [FAKE, ['apply', 'xsa']];
  const revert = () => run(FAKE, ['revert', 'xsa']);
  const [node2, withXlp, fakeAlone] = compare([[process.execPath, ['-e', '0']], xlpApply, fakeApply], revert);
  const overheadRatio = (withXlp - fakeAlone) / node2;

  const line = (label, ms, ratio, goal) => console.log(`${label.padEnd(46)} ${ms.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x node -e 0  (goal <= ${goal}x)`);
  console.log(`node -e 0 (median of ${ROUNDS})`.padEnd(46), `${node.toFixed(1).padStart(7)} ms`);
  line('xlp list --json, simulated host', list, listRatio, '2.0');
  line('xlp list --json, simulated host, a config file', listConfig, listConfigRatio, '2.0');
  console.log('fake xen-livepatch apply alone'.padEnd(46), `${fakeAlone.toFixed(1).padStart(7)} ms`);
  console.log('xlp apply through the fake'.padEnd(46), `${withXlp.toFixed(1).padStart(7)} ms`);
  line("xlp's own overhead over the child", withXlp - fakeAlone, overheadRatio, '1.0');
  return { nodeMs: node, listMs: list, listRatio, listConfigMs: listConfig, listConfigRatio, fakeApplyMs: fakeAlone, xlpApplyMs: withXlp, overheadRatio };
}

if (import.meta.url === `file://${process.argv[1]}`) runStartupBench();

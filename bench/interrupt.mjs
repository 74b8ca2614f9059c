#!/usr/bin/env node
/**
 * How fast a stop request is acknowledged (goal: within 100 ms, docs/performance.md): `xlp apply` of
 * a payload the simulated hypervisor holds in flight for two seconds gets SIGINT, SIGTERM or SIGHUP,
 * and the time from the signal to "received: stopping after the current step" on stderr is measured.
 * Needs `npm run build`, gcc and binutils. Usage: node bench/interrupt.mjs [rounds]   (default 10)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const XLP = join(REPO, 'bin', 'run.js');
const BUILD_ID = '151b373fd64b321593bf987fd923cd10dabadac4';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function xlp(env, ...args) {
  const result = spawnSync(process.execPath, [XLP, ...args], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`xlp ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** One held apply, stopped by `signal`: milliseconds from the signal to the acknowledgement. */
function acknowledgement(env, statePath, signal) {
  xlp(env, 'sim', 'fault', 'incomplete', '--action', 'apply', '--duration-ms', '2000');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [XLP, 'apply', 'xsa', '--timeout', '30'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent;
    const poll = setInterval(() => {
      // The apply is in flight once the simulator records it as pending.
      if (sent === undefined && readFileSync(statePath, 'utf8').includes('"pending"')) {
        sent = process.hrtime.bigint();
        child.kill(signal);
      }
    }, 5);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (sent !== undefined && stderr.includes(`${signal} received`)) {
        clearInterval(poll);
        resolve(Number(process.hrtime.bigint() - sent) / 1e6);
      }
    });
    child.on('close', (code) => {
      clearInterval(poll);
      if (!stderr.includes(`${signal} received`)) reject(new Error(`no acknowledgement (exit ${code}): ${stderr}`));
    });
  }).finally(() => xlp(env, 'revert', 'xsa', '-q'));
}

export async function runInterruptBench({ rounds = 10 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'xlp-bench-interrupt-'));
  try {
    const statePath = join(dir, 'sim', 'state.json');
    const env = { PATH: process.env.PATH, HOME: dir, XLP_BACKEND: 'sim', XLP_SIM_STATE: statePath, XLP_SIM_BUILD_ID: BUILD_ID, NO_COLOR: '1' };
    const payload = join(dir, 'xsa.livepatch');
    spawnSync('bash', [join(REPO, 'scripts', 'mkpayload.sh'), '--out', payload, '--xen-build-id', BUILD_ID], { stdio: 'inherit' });
    xlp(env, 'upload', 'xsa', payload, '-q');
    const load = [loadavg()[0]];
    const samples = Object.fromEntries(SIGNALS.map((signal) => [signal, []]));
    for (let round = 0; round < rounds; round++) for (const signal of SIGNALS) samples[signal].push(await acknowledgement(env, statePath, signal));
    load.push(loadavg()[0]);
    const stats = Object.fromEntries(SIGNALS.map((signal) => {
      const sorted = [...samples[signal]].sort((a, b) => a - b);
      return [signal, { median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) }];
    }));
    console.log(`acknowledgement of a stop request during a held apply, ${rounds} rounds each (load average ${load[0].toFixed(2)} -> ${load[1].toFixed(2)}):`);
    for (const signal of SIGNALS) console.log(`  ${signal.padEnd(8)} median ${stats[signal].median.toFixed(1)} ms, max ${stats[signal].max.toFixed(1)} ms (goal: 100 ms)`);
    return stats;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runInterruptBench({ rounds: Number(process.argv[2] ?? 10) });

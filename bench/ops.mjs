#!/usr/bin/env node
/**
 * What xlp adds to each operation on a dom0, measured against a stand-in of the real tools written
 * in C (bench/standin/: xen-livepatch and xl of Xen 4.19, their exact bytes, as fast as C tools),
 * compiled with gcc into a private directory for this run. For each operation (list, load, apply,
 * revert, unload), side by side and interleaved round by round: `node -e 0`, the stand-in alone
 * doing the same operation (`xen-livepatch load FILE`, `apply xsa`, ...), and `xlp ... --json`
 * through the stand-in. Before every timed run the host is put back, untimed, into the operation's
 * starting state (the stand-in's state file and xlp's per-host record, as xlp itself left them).
 * Every run's exit code and output is checked, and so is the stand-in's state after it: a broken
 * run aborts the benchmark instead of counting as fast. The stand-in logs every tool run, so the
 * report also says which tools each xlp operation ran.
 * Needs `npm run build`, gcc and binutils. Usage: node bench/ops.mjs [rounds]   (default 21)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const XLP = join(REPO, 'bin', 'run.js');
const STANDIN_SRC = join(REPO, 'bench', 'standin');
/** TEST_XEN_BUILD_ID of test/helpers/payloads.ts: a made-up hypervisor build-id. */
const BUILD_ID = '151b373fd64b321593bf987fd923cd10dabadac4';
const NAME = 'xsa';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Compiles the stand-in tools into `bin` (never a committed binary). */
function compileStandin(bin) {
  mkdirSync(bin, { mode: 0o700 });
  for (const tool of ['xen-livepatch', 'xl']) {
    const args = ['-O2', '-std=c11', '-Wall', '-Wextra', '-o', join(bin, tool), join(STANDIN_SRC, `${tool}.c`), join(STANDIN_SRC, 'hv.c')];
    const result = spawnSync('gcc', args, { encoding: 'utf8' });
    if (result.error !== undefined) throw new Error(`cannot run gcc to build the stand-in: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`gcc failed to build the stand-in ${tool}:\n${result.stderr}`);
  }
  return { xenLivepatch: join(bin, 'xen-livepatch'), xl: join(bin, 'xl') };
}

/** Regular files under `root`, lock files left out, as relative path -> bytes. */
function readTree(root, into = new Map(), base = root) {
  if (!existsSync(root)) return into;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) readTree(path, into, base);
    else if (entry.isFile() && !entry.name.endsWith('.lock')) into.set(relative(base, path), readFileSync(path));
  }
  return into;
}

export function runOpsBench({ rounds = 21 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'xlp-bench-ops-'));
  try {
    return bench(dir, rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bench(dir, rounds) {
  const tools = compileStandin(join(dir, 'bin'));
  const hvState = join(dir, 'hv', 'state');
  const calls = join(dir, 'hv', 'calls');
  const dataDir = join(dir, 'data');
  mkdirSync(join(dir, 'hv'), { mode: 0o700 });
  // One minimal environment for every side: no NODE_EXTRA_CA_CERTS or NODE_OPTIONS from this machine.
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    XLP_DATA_DIR: dataDir,
    XLP_STATE_DIR: join(dir, 'state'),
    XLP_RUNTIME_DIR: join(dir, 'run'),
    XLP_CONFIG_DIR: join(dir, 'config'),
    XLP_AUDIT_LOG: join(dir, 'audit.jsonl'),
    XLP_STANDIN_STATE: hvState,
    XLP_STANDIN_BUILD_ID: BUILD_ID,
    XLP_STANDIN_CALLS: calls,
    NO_COLOR: '1',
  };

  const payload = join(dir, `${NAME}.livepatch`);
  execFileSync('bash', [join(REPO, 'scripts', 'mkpayload.sh'), '--out', payload, '--xen-build-id', BUILD_ID, '--modinfo', 'XSA=466'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  const xlpArgs = (...args) => [XLP, ...args, '--xen-livepatch', tools.xenLivepatch, '--xl', tools.xl, '--json'];

  /** Runs one command; its wall time in ms and output. A failing run throws with the command's output. */
  function run(command, args) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`);
    }
    return { ms, stdout: result.stdout };
  }

  /** The payload's state in the stand-in's state file: APPLIED, CHECKED or absent. */
  function standinState() {
    const text = existsSync(hvState) ? readFileSync(hvState, 'utf8') : '';
    const state = new RegExp(`^payload (\\d) \\S+ \\S+ \\S+ \\S+ \\S+ ${NAME}$`, 'm').exec(text)?.[1];
    return state === '2' ? 'APPLIED' : state === '1' ? 'CHECKED' : 'absent';
  }

  /** The host as it is now: the stand-in's state file and xlp's per-host record. */
  const snapshot = () => ({ hv: existsSync(hvState) ? readFileSync(hvState) : undefined, data: readTree(dataDir) });
  function restore(snap) {
    if (snap.hv === undefined) rmSync(hvState, { force: true });
    else writeFileSync(hvState, snap.hv);
    for (const path of readTree(dataDir).keys()) if (!snap.data.has(path)) rmSync(join(dataDir, path));
    for (const [path, bytes] of snap.data) writeFileSync(join(dataDir, path), bytes, { mode: 0o600 });
    writeFileSync(calls, '');
  }

  // The starting states, made by xlp itself so that its record is what it would be on a real host.
  const xlpUntimed = (...args) => run(process.execPath, xlpArgs(...args));
  xlpUntimed('upload', NAME, payload);
  const checked = snapshot();
  xlpUntimed('apply', NAME);
  const applied = snapshot();
  xlpUntimed('revert', NAME);
  xlpUntimed('unload', NAME);
  const empty = snapshot();
  if (standinState() !== 'absent') throw new Error('the stand-in did not end up empty after xlp unload');

  const done = (operation, state) => (out) => {
    const result = JSON.parse(out);
    return result.operation === operation && result.name === NAME && result.result === 'done' && result.state === state;
  };
  const OPS = [
    {
      op: 'list',
      before: applied,
      after: 'APPLIED',
      xlp: ['list'],
      xlpOk: (out) => JSON.parse(out).payloads?.some((p) => p.name === NAME && p.state === 'APPLIED'),
      alone: ['list'],
      aloneOut: ` ID                                     | status     | metadata\n----------------------------------------+------------+---------------\n${NAME.padEnd(40)}| APPLIED    | XSA=466\n`,
    },
    {
      op: 'load',
      before: empty,
      after: 'APPLIED',
      xlp: ['load', payload],
      xlpOk: done('load', 'APPLIED'),
      alone: ['load', payload],
      aloneOut: `Uploading ${payload}... completed\nApplying ${NAME}... completed\n`,
    },
    { op: 'apply', before: checked, after: 'APPLIED', xlp: ['apply', NAME], xlpOk: done('apply', 'APPLIED'), alone: ['apply', NAME], aloneOut: `Applying ${NAME}... completed\n` },
    { op: 'revert', before: applied, after: 'CHECKED', xlp: ['revert', NAME], xlpOk: done('revert', 'CHECKED'), alone: ['revert', NAME], aloneOut: `Reverting ${NAME}... completed\n` },
    { op: 'unload', before: checked, after: 'absent', xlp: ['unload', NAME], xlpOk: done('unload', 'absent'), alone: ['unload', NAME], aloneOut: `Unloading ${NAME}... completed\n` },
  ];

  const toolRuns = () =>
    readFileSync(calls, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      // xlp uploads a private staged copy whose path changes every run.
      .map((line) => line.replace(/^(xen-livepatch upload \S+) .*$/, '$1 STAGED-COPY'));

  const sides = (o) => [
    { side: 'node', command: process.execPath, args: ['-e', '0'], check: () => true },
    {
      side: 'alone',
      command: tools.xenLivepatch,
      args: o.alone,
      check: (out) => {
        if (out !== o.aloneOut) throw new Error(`stand-in ${o.alone.join(' ')} printed ${JSON.stringify(out)}, not ${JSON.stringify(o.aloneOut)}`);
        return true;
      },
    },
    { side: 'xlp', command: process.execPath, args: xlpArgs(...o.xlp), check: o.xlpOk },
  ];

  const samples = Object.fromEntries(OPS.map((o) => [o.op, { node: [], alone: [], xlp: [], runs: [] }]));
  // For reference: what loading execa costs (xlp's local runner imports it before the first tool run).
  const execaSamples = [];
  const importExeca = ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(join(REPO, 'node_modules', 'execa', 'index.js')).href)})`];
  const load = [loadavg()[0]];
  for (let round = 0; round <= rounds; round++) {
    const execaMs = run(process.execPath, importExeca).ms;
    if (round > 0) execaSamples.push(execaMs);
    for (const o of OPS) {
      for (const { side, command, args, check } of sides(o)) {
        restore(o.before);
        const { ms, stdout } = run(command, args);
        if (!check(stdout)) throw new Error(`${args.join(' ')}: unexpected output:\n${stdout}`);
        if (side !== 'node' && standinState() !== o.after) {
          throw new Error(`${side} ${o.op}: the stand-in lists ${NAME} as ${standinState()}, not ${o.after}`);
        }
        if (round === 0) continue; // the first round warms the disk cache
        samples[o.op][side].push(ms);
        if (side === 'xlp') samples[o.op].runs.push(toolRuns().join(', '));
      }
    }
  }
  load.push(loadavg()[0]);

  const results = {};
  for (const o of OPS) {
    const s = samples[o.op];
    const [node, alone, xlp] = [median(s.node), median(s.alone), median(s.xlp)];
    const distinct = [...new Set(s.runs)];
    results[o.op] = {
      nodeMs: node,
      aloneMs: alone,
      xlpMs: xlp,
      overheadMs: xlp - alone,
      overheadRatio: (xlp - alone) / node,
      toolRuns: distinct.length === 1 ? distinct[0].split(', ') : distinct,
      toolRunsVary: distinct.length > 1,
    };
  }

  const ms = (v) => `${v.toFixed(1)} ms`.padStart(10);
  console.log(`median wall time of ${rounds} rounds (load average ${load.map((l) => l.toFixed(2)).join(' -> ')})`);
  console.log(`${'operation'.padEnd(10)}${'node -e 0'.padStart(10)}${'stand-in'.padStart(10)}${'xlp'.padStart(10)}${'overhead'.padStart(10)}  ratio  tool runs of xlp`);
  for (const [op, r] of Object.entries(results)) {
    const runs = r.toolRunsVary ? `varied: ${r.toolRuns.join(' | ')}` : `${r.toolRuns.length}: ${r.toolRuns.join(', ')}`;
    console.log(`${op.padEnd(10)}${ms(r.nodeMs)}${ms(r.aloneMs)}${ms(r.xlpMs)}${ms(r.overheadMs)}  ${r.overheadRatio.toFixed(2).padStart(5)}x ${runs}`);
  }
  console.log('(stand-in: the C stand-in alone doing the same operation; overhead: xlp minus stand-in; ratio: overhead / node -e 0)');
  const execaMs = median(execaSamples);
  console.log(`for reference: node importing execa (xlp's local runner loads it lazily) ${execaMs.toFixed(1)} ms`);
  return { rounds, loadAverage: load, execaImportMs: execaMs, operations: results };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runOpsBench({ rounds: Number(process.argv[2] ?? 21) });

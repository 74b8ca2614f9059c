#!/usr/bin/env node
/**
 * inspect of a 2 MiB payload against `sha256sum` + `readelf -n` of the same file, side by side.
 * Prints median wall times and ratios for: the built CLI (`xlp inspect --json`, a whole process),
 * the library call inside a warm process (readPayloadFile + inspectReport), and the two binutils
 * processes run one after the other. Needs `npm run build`, gcc, objcopy, ld, readelf, sha256sum.
 * Usage: node bench/inspect.mjs [runs]   (default 21)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.argv[2] ?? 21);
const TARGET = 2 * 1024 * 1024;
const XEN = '151b373fd64b321593bf987fd923cd10dabadac4';

const dir = mkdtempSync(join(tmpdir(), 'xlp-bench-inspect-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A real payload grown to just under 2 MiB by an extra read-only allocated section. */
function bigPayload() {
  const base = join(dir, 'base.livepatch');
  execFileSync('bash', [join(REPO, 'scripts/mkpayload.sh'), '--out', base, '--xen-build-id', XEN, '--modinfo', 'XSA=1']);
  const out = join(dir, 'big.livepatch');
  let pad = TARGET - statSync(base).size - 4096;
  for (let attempt = 0; attempt < 3; attempt++) {
    writeFileSync(join(dir, 'pad.bin'), Buffer.alloc(pad, 0x5a));
    execFileSync('objcopy', ['--add-section', `.rodata.xlp_pad=${join(dir, 'pad.bin')}`, '--set-section-flags', '.rodata.xlp_pad=alloc,readonly,data,contents', base, out]);
    const size = statSync(out).size;
    if (size <= TARGET && size > TARGET - 64) return out;
    pad += TARGET - size - 16;
  }
  return out;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const time = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};
const run = (program, args) => {
  const result = spawnSync(program, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0 && !(program === process.execPath && result.status === 8)) throw new Error(`${program} ${args.join(' ')}: exit ${result.status}\n${result.stderr}`);
};

const file = bigPayload();
const size = statSync(file).size;
const { readPayloadFile } = await import(join(REPO, 'dist/src/payload/read-file.js'));
const { inspectReport } = await import(join(REPO, 'dist/src/verify/inspect.js'));
const inProcess = async () => inspectReport(file, (await readPayloadFile(file)).info);
const report = await inProcess();
if (!report.acceptable) throw new Error(`the bench payload is not acceptable: ${JSON.stringify(report.problems)}`);

const samples = { cli: [], library: [], tools: [] };
for (let i = 0; i < 3; i++) {
  run(process.execPath, [join(REPO, 'bin/run.js'), 'inspect', file, '--json']);
  await inProcess();
  run('sha256sum', [file]);
}
for (let i = 0; i < RUNS; i++) {
  samples.tools.push(time(() => (run('sha256sum', [file]), run('readelf', ['-n', file]))));
  samples.cli.push(time(() => run(process.execPath, [join(REPO, 'bin/run.js'), 'inspect', file, '--json'])));
  const start = performance.now();
  await inProcess();
  samples.library.push(performance.now() - start);
}
const tools = median(samples.tools);
const row = (label, ms) => console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms   ${(ms / tools).toFixed(2)}x`);
console.log(`payload ${size} bytes, ${RUNS} runs each, median wall time, ratio to sha256sum + readelf -n`);
row('sha256sum + readelf -n (2 processes)', tools);
row('xlp inspect --json (built CLI, 1 process)', median(samples.cli));
row('readPayloadFile + inspectReport (in-process)', median(samples.library));

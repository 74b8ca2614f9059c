#!/usr/bin/env node
/**
 * `xlp check -f MANIFEST --json` on the simulated host, what monitoring polls every minute (goal: at
 * most 2.0x `node -e 0`), for a manifest of 20 real payloads (scripts/mkpayload.sh), stacked and
 * applied by one `xlp sync` first, so the check answers "in sync" (exit 0). Side by side in one run,
 * interleaved round by round with the same minimal environment (bench/startup.mjs's method):
 * `node -e 0`, the check through its fast path (cli/fast-check.ts), and through oclif
 * (XLP_FAST_PATH=0). Then where the fast path's time goes, each part timed inside a fresh process
 * (median of the rounds; the module loads are cold, as in a real run): the fast path's bundle
 * loaded; yaml alone imported (its ES module build bundled into one file, as in the fast path's); the manifest parsed and
 * validated (no file read); the 20 files read, hashed (sha256) and parsed as ELF payloads; and, for
 * comparison, the whole loadManifest warm (in this process, after a first run).
 * Needs `npm run build` (dist/bundle and dist/src) and gcc/binutils. Usage: node bench/check.mjs [rounds]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { yamlEsm } from '../scripts/yaml-esm.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 21);
const PAYLOADS = 20;
const BUILD_ID = '151b373fd64b321593bf987fd923cd10dabadac4';
const XLP = join(REPO, 'bin', 'run.js');

const dir = mkdtempSync(join(tmpdir(), 'xlp-bench-check-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const env = {
  PATH: process.env.PATH,
  HOME: dir,
  XLP_BACKEND: 'sim',
  XLP_SIM_STATE: join(dir, 'sim', 'state.json'),
  XLP_SIM_BUILD_ID: BUILD_ID,
  XLP_DATA_DIR: join(dir, 'data'),
  XLP_STATE_DIR: join(dir, 'state'),
  XLP_RUNTIME_DIR: join(dir, 'run'),
  XLP_CONFIG_DIR: join(dir, 'config'),
  NO_COLOR: '1',
};
const oclifEnv = { ...env, XLP_FAST_PATH: '0' };

const run = (command, args) => execFileSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** 20 payloads, each stacked on the one before (its depends is that one's build-id), all applied. */
function writeManifest() {
  const lines = ['version: 1', 'hypervisors:', `  - build-id: "${BUILD_ID}"`, '    payloads:'];
  let below = BUILD_ID;
  for (let i = 1; i <= PAYLOADS; i++) {
    const name = `xsa-${String(i).padStart(3, '0')}`;
    const file = join(dir, `${name}.livepatch`);
    run('bash', [join(REPO, 'scripts', 'mkpayload.sh'), '--out', file, '--xen-build-id', BUILD_ID, '--depends', below, '--id', `bench${i}`, '--returns', `-${name}`]);
    below = /Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', file]))[1];
    const sha256 = run('sha256sum', [file]).split(' ')[0];
    lines.push(`      - name: ${name}`, `        file: ${name}.livepatch`, `        sha256: "${sha256}"`, '        state: applied');
  }
  const manifest = join(dir, 'site.yaml');
  writeFileSync(manifest, `${lines.join('\n')}\n`);
  return manifest;
}

/** Wall time of one run in ms; a run that does not answer "in sync" aborts the benchmark. */
function timed(command, args, runEnv) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`);
  return { ms, stdout: String(result.stdout) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function compare(cases) {
  const samples = cases.map(() => []);
  for (let round = 0; round < ROUNDS + 1; round++) {
    cases.forEach(([command, args, runEnv], i) => {
      const { ms } = timed(command, args, runEnv);
      if (round > 0) samples[i].push(ms); // the first round warms the disk cache
    });
  }
  return samples.map(median);
}

/** Each part of the fast path, timed in a fresh process: one line of JSON with a duration per part. */
const PARTS = `
const t = () => performance.now();
const [manifestPath, repo, yamlBundle] = process.argv.slice(1);
const at = (p) => new URL(p, 'file://' + repo + '/').href;
const out = {};
let s = t();
await import(at('dist/bundle/fast-check.js'));
out.bundle = t() - s;
s = t();
await import(yamlBundle);
out.yamlImport = t() - s;
const { readFileSync } = await import('node:fs');
const { createHash } = await import('node:crypto');
const { parseManifest } = await import(at('dist/src/manifest/parse.js'));
const { parsePayload } = await import(at('dist/src/payload/parse.js'));
const text = readFileSync(manifestPath, 'utf8');
s = t();
const parsed = parseManifest(text, manifestPath, { baseDir: manifestPath.replace(/\\/[^/]*$/, '') });
out.parse = t() - s;
const files = parsed.hypervisors[0].payloads.map((p) => p.file);
s = t();
const bytes = files.map((f) => readFileSync(f));
out.read = t() - s;
s = t();
for (const b of bytes) createHash('sha256').update(b).digest('hex');
out.sha256 = t() - s;
s = t();
for (const b of bytes) parsePayload(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
out.elf = t() - s;
console.log(JSON.stringify(out));
`;

/** yaml as the fast path's bundle has it (its ES module build, scripts/yaml-esm.mjs), one file of its own. */
async function yamlBundle() {
  const outfile = join(dir, 'yaml-alone.mjs');
  await build({ stdin: { contents: "export * from 'yaml';", resolveDir: REPO, sourcefile: 'yaml-alone.js' }, outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', plugins: [yamlEsm], logLevel: 'warning' });
  return pathToFileURL(outfile).href;
}

function partsOnce(manifest, yaml) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', PARTS, manifest, REPO, yaml], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the parts script failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** loadManifest in this process, after a first run: what reading the manifest costs once the code is loaded and warm. */
async function warmLoad(manifest) {
  const { loadManifest } = await import(pathToFileURL(join(REPO, 'dist/src/manifest/index.js')).href);
  const samples = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const s = performance.now();
    await loadManifest(manifest, { keepBytes: 'none' });
    if (round > 0) samples.push(performance.now() - s);
  }
  return median(samples);
}

export async function runCheckBench() {
  const manifest = writeManifest();
  run(process.execPath, [XLP, 'sim', 'reset', '--build-id', BUILD_ID, '-q']);
  run(process.execPath, [XLP, 'sync', '-f', manifest, '-q']);
  const check = ['check', '-f', manifest, '--json'];
  const { stdout } = timed(process.execPath, [XLP, ...check], env);
  const answer = JSON.parse(stdout);
  if (answer.inSync !== true || readFileSync(manifest, 'utf8').split('state: applied').length - 1 !== PAYLOADS) throw new Error(`check did not answer in sync for ${PAYLOADS} payloads: ${stdout}`);

  const [node, fast, oclif] = compare([
    [process.execPath, ['-e', '0'], env],
    [process.execPath, [XLP, ...check], env],
    [process.execPath, [XLP, ...check], oclifEnv],
  ]);
  const line = (label, ms, goal = '') => console.log(`${label.padEnd(52)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / node).toFixed(2)}x node -e 0${goal}`);
  console.log(`median of ${ROUNDS} rounds, ${PAYLOADS} payloads in the manifest, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  line('node -e 0', node);
  line('xlp check -f MANIFEST --json (fast path)', fast, '  (goal <= 2.0x)');
  line('xlp check -f MANIFEST --json (oclif, XLP_FAST_PATH=0)', oclif);

  const yaml = await yamlBundle();
  const runs = Array.from({ length: ROUNDS }, () => partsOnce(manifest, yaml));
  const part = (key) => median(runs.map((r) => r[key]));
  console.log('where the fast path goes, each part in a fresh process (median):');
  const parts = {
    bundle: ['the fast path bundle loaded (yaml and all of xlp it needs)', part('bundle')],
    yamlImport: ['yaml imported alone (its ES module build, one bundled file)', part('yamlImport')],
    parse: ['the manifest parsed and validated (cold, no file read)', part('parse')],
    read: [`${PAYLOADS} payload files read`, part('read')],
    sha256: [`sha256 of ${PAYLOADS} files`, part('sha256')],
    elf: [`${PAYLOADS} files parsed as ELF payloads (cold)`, part('elf')],
  };
  for (const [label, ms] of Object.values(parts)) console.log(`  ${label.padEnd(60)} ${ms.toFixed(1).padStart(6)} ms`);
  const load = await warmLoad(manifest);
  console.log(`  ${'loadManifest, warm (in this process, after a first run)'.padEnd(60)} ${load.toFixed(1).padStart(6)} ms`);
  return { nodeMs: node, fastMs: fast, oclifMs: oclif, fastRatio: fast / node, oclifRatio: oclif / node, parts: Object.fromEntries(Object.entries(parts).map(([k, [, ms]]) => [k, ms])), warmLoadMs: load };
}

if (import.meta.url === `file://${process.argv[1]}`) await runCheckBench();

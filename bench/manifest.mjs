#!/usr/bin/env node
/**
 * What reading a manifest adds to a command's start-up (`xlp check -f MANIFEST` is polled every
 * minute; its goal is at most 2.0x `node -e 0`). Each side is one esbuild bundle, as the CLI's fast
 * paths are (scripts/bundle.mjs, yaml's ES module build included), run with the same minimal
 * environment, interleaved round by round:
 *  - `node -e 0`;
 *  - import: loading src/manifest (yaml and the generated validator), nothing read;
 *  - load: loadManifest of a manifest with three real payloads (scripts/mkpayload.sh), bytes not kept;
 *  - runtime ajv (for the record): the same yaml parse with ajv imported and the schema compiled at
 *    run time instead of the generated validator, the choice scripts/gen-manifest-validator.mjs avoids.
 * Usage: node bench/manifest.mjs [rounds]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { yamlEsm } from '../scripts/yaml-esm.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 21);
const XEN = '151b373fd64b321593bf987fd923cd10dabadac4';
const dir = mkdtempSync(join(tmpdir(), 'xlp-bench-manifest-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH };

function payload(name, args) {
  const out = join(dir, `${name}.livepatch`);
  execFileSync('bash', [join(REPO, 'scripts', 'mkpayload.sh'), '--out', out, '--xen-build-id', XEN, '--returns', `-${name}`, ...args], { stdio: 'ignore' });
  const sha256 = execFileSync('sha256sum', [out], { encoding: 'utf8' }).split(' ')[0];
  const buildId = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', out], { encoding: 'utf8' }))[1];
  return { out, sha256, buildId };
}

async function bundle(name, contents) {
  const outfile = join(dir, `${name}.mjs`);
  await build({
    stdin: { contents, resolveDir: REPO, loader: 'ts', sourcefile: `${name}.ts` },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [yamlEsm],
    banner: { js: "import { createRequire as __xlpCreateRequire } from 'node:module'; const require = __xlpCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function runManifestBench() {
  const a = payload('a', []);
  const b = payload('b', ['--depends', a.buildId]);
  const c = payload('c', ['--depends', b.buildId]);
  const manifest = join(dir, 'site.yaml');
  const entry = (name, p, state) => `      - name: ${name}\n        file: ${name}.livepatch\n        sha256: ${p.sha256}\n        state: ${state}\n`;
  writeFileSync(manifest, `version: 1\nhypervisors:\n  - build-id: ${XEN}\n    payloads:\n${entry('a', a, 'applied')}${entry('b', b, 'applied')}${entry('c', c, 'uploaded')}`);

  const importOnly = await bundle('import', "import { loadManifest } from './src/manifest/index.ts';\nif (typeof loadManifest !== 'function') process.exit(1);\n");
  const load = await bundle('load', "import { loadManifest } from './src/manifest/index.ts';\nawait loadManifest(process.argv[2], { keepBytes: 'none' });\n");
  const schema = JSON.parse(readFileSync(join(REPO, 'docs', 'schema', 'manifest.schema.json'), 'utf8'));
  const runtimeAjv = await bundle(
    'runtime-ajv',
    [
      "import Ajv2020 from 'ajv/dist/2020.js';",
      "import { parseDocument } from 'yaml';",
      "import { readFileSync } from 'node:fs';",
      `const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTuples: false });`,
      `const validate = ajv.compile(${JSON.stringify(schema)});`,
      "if (!validate(parseDocument(readFileSync(process.argv[2], 'utf8')).toJS())) process.exit(1);",
    ].join('\n'),
  );
  const cases = [
    ['node -e 0', ['-e', '0']],
    ['import src/manifest', [importOnly]],
    ['loadManifest (3 payloads)', [load, manifest]],
    ['runtime ajv compile + yaml', [runtimeAjv, manifest]],
  ];
  const samples = cases.map(() => []);
  for (let round = 0; round < ROUNDS + 1; round++) {
    cases.forEach(([, args], i) => {
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
      if (round > 0) samples[i].push(ms);
    });
  }
  const base = median(samples[0]);
  console.log(`manifest start-up, median of ${ROUNDS} rounds (load average ${(await import('node:os')).loadavg()[0].toFixed(1)}):`);
  cases.forEach(([name], i) => {
    const ms = median(samples[i]);
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / base).toFixed(2)}x  (+${(ms - base).toFixed(1)} ms)`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runManifestBench();

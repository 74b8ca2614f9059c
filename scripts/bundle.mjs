#!/usr/bin/env node
/**
 * Bundles the CLI for start-up speed (docs/performance.md): each oclif command becomes one entry
 * point, code shared between commands goes into chunks, and dynamic imports (execa, listr2, the
 * ssh runner, the simulator) stay lazy chunks; `xlp list`'s fast path is a file of its own. Node
 * resolves and reads a handful of files instead of hundreds. oclif's optional TypeScript loaders
 * stay external: they are never used at run time.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { yamlEsm } from './yaml-esm.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'bundle');

function commandFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return commandFiles(path);
    return entry.endsWith('.ts') ? [path] : [];
  });
}

// jsonc-parser's main file is a UMD wrapper whose require() calls a bundler cannot follow; its ES
// module build is the same code, and lets esbuild drop what xlp does not use (formatting, editing).
const alias = { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' };

rmSync(out, { recursive: true, force: true });
const entryPoints = {
  'oclif-main': join(root, 'cli', 'oclif-main.ts'),
  // package.json's oclif.helpClass and oclif.hooks name these.
  help: join(root, 'cli', 'help.ts'),
  'hooks/command-not-found': join(root, 'cli', 'command-not-found.ts'),
  'hooks/autocomplete': join(root, 'cli', 'autocomplete-hook.ts'),
  ...Object.fromEntries(commandFiles(join(root, 'commands')).map((file) => [relative(root, file).replace(/\.ts$/, ''), file])),
};
await build({
  entryPoints,
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['typescript', 'ts-node', 'tsx', 'tsx/*'],
  plugins: [yamlEsm],
  alias,
  // Bundled CommonJS (oclif) needs require() inside an ES module.
  banner: { js: "import { createRequire as __xlpCreateRequire } from 'node:module'; const require = __xlpCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

// The entry point, the fast paths of `xlp list` and `xlp check` (cli/fast-list.ts, cli/fast-check.ts)
// and shell completion (cli/complete.ts, which shares fast-list.js), each one file without splitting:
// the path monitoring polls then reads two files instead of dozens of chunks; oclif is not loaded
// at all. execa is a file of its own (one file, not the ~150 of node_modules/execa), loaded only by
// the local and ssh runners: the simulated host never parses it.
const execaFile = { name: 'execa-file', setup: (b) => b.onResolve({ filter: /^execa$/ }, () => ({ path: './execa.js', external: true })) };
await build({
  entryPoints: { execa: 'execa' },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // execa's CommonJS dependencies (cross-spawn, which) call require().
  banner: { js: "import { createRequire as __xlpCreateRequire } from 'node:module'; const require = __xlpCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
// node:fs by process.getBuiltinModule in those files, not by `import`: its ES module facade reads
// every export of fs, and the lazy ReadStream getter then loads all of node:stream, about 40 ms of a
// start on this machine against under 1 ms (docs/performance.md, "xlp check"). Only what a getter
// makes cheaply is exported: the stream classes and fs.promises stay out (an import of one fails the build).
const fsNames = Object.keys(await import('node:fs')).filter((name) => name !== 'default' && name !== 'promises' && !name.endsWith('Stream'));
const fsByGetter = {
  name: 'fs-by-getter',
  setup: (b) => {
    b.onResolve({ filter: /^(node:)?fs$/ }, () => ({ path: 'node:fs', namespace: 'fs-by-getter' }));
    b.onLoad({ filter: /.*/, namespace: 'fs-by-getter' }, () => ({
      contents: `const fs = process.getBuiltinModule('node:fs');\nexport default fs;\nexport const { ${fsNames.join(', ')} } = fs;\n`,
      loader: 'js',
    }));
  },
};
await build({
  entryPoints: { main: join(root, 'cli', 'main.ts'), 'fast-list': join(root, 'cli', 'fast-list.ts'), 'fast-check': join(root, 'cli', 'fast-check.ts'), complete: join(root, 'cli', 'complete.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['./fast-list.js', './fast-check.js', './oclif-main.js', './complete.js'],
  plugins: [execaFile, yamlEsm, fsByGetter],
  alias,
  legalComments: 'none',
  logLevel: 'warning',
});

// The simulator's two fake tools (bin/sim/xen-livepatch, bin/sim/xl: docs/simulator.md), each one
// file of its own, so that they run from the published package, which has no tsc output (dist/src).
const fakes = { 'sim/xen-livepatch': ['fake-xen-livepatch', 'runFakeXenLivepatch'], 'sim/xl': ['fake-xl', 'runFakeXl'] };
const fakeEntries = {
  name: 'sim-fake-entries',
  setup: (b) => {
    b.onResolve({ filter: /^xlp-fake:/ }, (args) => ({ path: args.path.slice('xlp-fake:'.length), namespace: 'xlp-fake' }));
    b.onLoad({ filter: /.*/, namespace: 'xlp-fake' }, ({ path }) => {
      const [module, run] = fakes[path];
      const contents = [
        "import { runFakeAsProcess } from './src/host/sim/process-main.js';",
        `import { ${run} } from './src/host/sim/${module}.js';`,
        `await runFakeAsProcess(${run});`,
      ].join('\n');
      return { contents, resolveDir: root, loader: 'ts' };
    });
  },
};
await build({
  entryPoints: Object.fromEntries(Object.keys(fakes).map((name) => [name, `xlp-fake:${name}`])),
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [fakeEntries],
  legalComments: 'none',
  logLevel: 'warning',
});

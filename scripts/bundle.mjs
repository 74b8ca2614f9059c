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

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'bundle');

function commandFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return commandFiles(path);
    return entry.endsWith('.ts') ? [path] : [];
  });
}

rmSync(out, { recursive: true, force: true });
const entryPoints = {
  'oclif-main': join(root, 'cli', 'oclif-main.ts'),
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
  // Bundled CommonJS (oclif) needs require() inside an ES module.
  banner: { js: "import { createRequire as __xlpCreateRequire } from 'node:module'; const require = __xlpCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

// The entry point and `xlp list`'s fast path (cli/fast-list.ts), each one file without splitting:
// the path monitoring polls then reads two files instead of dozens of chunks. execa stays in
// node_modules (only the local and ssh runners load it, lazily); oclif is not loaded at all.
await build({
  entryPoints: { main: join(root, 'cli', 'main.ts'), 'fast-list': join(root, 'cli', 'fast-list.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['execa', './fast-list.js', './oclif-main.js'],
  legalComments: 'none',
  logLevel: 'warning',
});

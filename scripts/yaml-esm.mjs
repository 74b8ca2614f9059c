/**
 * An esbuild plugin: `yaml` (the manifest's parser) as its ES module build, which esbuild can
 * tree-shake, instead of the CommonJS build Node's "node" export condition picks: a quarter smaller
 * and quicker to load (docs/performance.md, "The manifest"). scripts/bundle.mjs and
 * bench/manifest.mjs bundle with it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const yamlEsm = {
  name: 'yaml-esm',
  setup: (build) => build.onResolve({ filter: /^yaml$/ }, () => ({ path: join(root, 'node_modules', 'yaml', 'browser', 'index.js') })),
};

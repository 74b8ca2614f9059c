#!/usr/bin/env node
/**
 * Prints the node_modules folders the built xlp needs at run time, one per line, relative to the
 * repository: everything else is bundled into dist/bundle (scripts/bundle.mjs), but oclif loads the
 * plugins package.json names (oclif.plugins) from node_modules, with their own dependencies. The
 * closure is read from package-lock.json (dependencies and optionalDependencies, resolved the way
 * Node does: the nearest node_modules up the tree). Used by build-disk.sh.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const lock = JSON.parse(readFileSync(`${repo}/package-lock.json`, 'utf8'));
const manifest = JSON.parse(readFileSync(`${repo}/package.json`, 'utf8'));
const packages = lock.packages;

function resolve(from, name) {
  for (let base = from; ; ) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

const needed = new Set();
function visit(path) {
  if (needed.has(path)) return;
  needed.add(path);
  const entry = packages[path];
  const optional = entry.optionalDependencies ?? {};
  for (const name of Object.keys({ ...entry.dependencies, ...optional })) {
    const found = resolve(path, name);
    if (found !== undefined) visit(found);
    else if (!(name in optional)) throw new Error(`${path} needs ${name}, which package-lock.json does not hold`);
  }
}
for (const plugin of manifest.oclif?.plugins ?? []) {
  const found = resolve('', plugin);
  if (found === undefined) throw new Error(`the oclif plugin ${plugin} is not in package-lock.json`);
  visit(found);
}
process.stdout.write([...needed].sort().map((path) => `${path}\n`).join(''));

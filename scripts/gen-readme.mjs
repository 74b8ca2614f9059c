#!/usr/bin/env node
/**
 * Writes the README's command reference: `oclif readme` fills the <!-- usage --> and
 * <!-- commands --> markers from what oclif knows after the build (the manifest of xlp's commands,
 * and its plugins), without links to source files. `npm run docs` runs it; with --check it writes
 * nothing and exits 1 when README.md is not what it would write (test/integration/package.test.ts,
 * and prepack, so a stale reference is never published).
 *
 * One line of oclif's usage block depends on the machine (`xlp/0.1.0 linux-x64 node-v20.20.2`): a
 * README that differs from the generated one only in its platform and Node version is current.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readmePath = join(root, 'README.md');
const check = process.argv.includes('--check');
const { name } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const current = readFileSync(readmePath, 'utf8');
const work = mkdtempSync(join(tmpdir(), 'xlp-readme-'));
let generated;
try {
  const copy = join(work, 'README.md');
  writeFileSync(copy, current);
  execFileSync(join(root, 'node_modules', '.bin', 'oclif'), ['readme', '--no-source-links', '--readme-path', copy], {
    cwd: root,
    // Help is wrapped at COLUMNS; nothing else of the environment may reach the text.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? work, COLUMNS: '120', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  generated = readFileSync(copy, 'utf8');
} finally {
  rmSync(work, { recursive: true, force: true });
}

const versionLine = new RegExp(`^(${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\S+) \\S+ node-v\\S+$`, 'gm');
const portable = (text) => text.replace(versionLine, '$1 PLATFORM node-vVERSION');

if (!generated.includes('<!-- commandsstop -->')) {
  console.error('gen-readme: README.md has no <!-- commands --> marker for oclif readme to fill');
  process.exit(1);
}
if (portable(generated) === portable(current)) process.exit(0);
if (check) {
  console.error('gen-readme: the command reference in README.md is stale: run npm run docs');
  process.exit(1);
}
writeFileSync(readmePath, generated);
console.log('updated README.md');

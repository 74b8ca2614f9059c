/**
 * What `npm pack` ships (after `npm run build`, which npm test runs first): exactly the files a user
 * needs, man pages that are what scripts/gen-man.mjs writes for today's commands and that render
 * without a groff warning, a manifest that holds every command, and a README whose command reference
 * is current. test/e2e/package-install.test.ts installs the tarball and runs it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REPO } from '../helpers/cli.js';

interface PackedFile {
  readonly path: string;
  readonly mode: number;
}

/** Every file under dir, relative to the repository, '/'-separated. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((entry) => {
    const path = `${dir}/${entry}`;
    return statSync(join(REPO, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Command ids from the source tree (commands/audit/verify.ts is audit:verify), independent of the manifest. */
const sourceCommandIds = (): string[] =>
  filesUnder('commands')
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice('commands/'.length, -'.ts'.length).replaceAll('/', ':'))
    .sort();

const manifest = (): { version: string; commands: Record<string, { flags: Record<string, { name: string; env?: string; hidden?: boolean }>; description?: string }> } =>
  JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8'));

const pkg = (): { version: string; man: string[]; files: string[]; private?: boolean } => JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

/** Shipped files named one by one; every other shipped file matches one of the patterns below. */
const EXACT = ['LICENSE', 'README.md', 'package.json', 'bin/run.js', 'bin/sim/xen-livepatch', 'bin/sim/xl', 'oclif.manifest.json', 'scripts/mkpayload.sh', 'systemd/xlp-boot.service'];
const PATTERNS: Array<[RegExp, string]> = [
  [/^dist\/bundle\/.+\.js$/, 'dist/bundle'],
  // The documents, and the config schema for editors and users (docs/schema/).
  [/^docs\/([^/]+\.md|schema\/[^/]+\.schema\.json)$/, 'docs'],
  [/^man\/man1\/xlp(-[a-z0-9-]+)?\.1$/, 'man'],
  [/^scripts\/payload-src\/[^/]+\.[ch]$/, 'scripts/payload-src'],
  // The xlp.livepatch Ansible collection, versioned with xlp (docs/ansible.md).
  [/^ansible\/[\w/.-]+\.(py|yml|md)$/, 'ansible'],
];
const EXECUTABLE = ['bin/run.js', 'bin/sim/xen-livepatch', 'bin/sim/xl', 'scripts/mkpayload.sh'];

let packed: PackedFile[];

beforeAll(async () => {
  // --ignore-scripts: no prepack build, the tree npm test just built is what is packed.
  const result = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, reject: false });
  expect(result.exitCode, result.stderr).toBe(0);
  const [report] = JSON.parse(result.stdout) as Array<{ files: PackedFile[] }>;
  packed = report?.files ?? [];
}, 60_000);

describe('npm pack', () => {
  it('is publishable: not private, LICENSE beside the MIT license field', () => {
    expect(pkg().private).toBeUndefined();
    expect(readFileSync(join(REPO, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the xlp authors\n/);
  });

  it('ships exactly the CLI bundle, the fakes, the manifest, the man pages, the documents, the payload builder, the boot unit, LICENSE and README', () => {
    const paths = packed.map((file) => file.path).sort();
    const unexpected = paths.filter((path) => !EXACT.includes(path) && !PATTERNS.some(([pattern]) => pattern.test(path)));
    expect(unexpected, 'shipped but not expected (test/, .work/, dist/src, ...)').toEqual([]);
    expect(EXACT.filter((path) => !paths.includes(path)), 'expected but not shipped').toEqual([]);
    // Each directory that ships, ships whole: nothing of it is left behind.
    for (const [pattern, dir] of PATTERNS) {
      expect(
        paths.filter((path) => pattern.test(path)),
        dir,
      ).toEqual(filesUnder(dir).sort());
    }
    expect(paths.some((path) => path.startsWith('dist/') && !path.startsWith('dist/bundle/'))).toBe(false);
  });

  it('keeps the executables executable', () => {
    for (const path of EXECUTABLE) expect(packed.find((file) => file.path === path)?.mode, path).toBe(0o755);
  });
});

describe('oclif.manifest.json', () => {
  it('holds every command of commands/ (a stale manifest would hide one) at the package version', () => {
    expect(Object.keys(manifest().commands).sort()).toEqual(sourceCommandIds());
    expect(manifest().version).toBe(pkg().version);
  });
});

describe('the man pages', () => {
  let regenerated: string;
  beforeAll(async () => {
    regenerated = await mkdtemp(join(tmpdir(), 'xlp-man-'));
    await execa(process.execPath, [join(REPO, 'scripts', 'gen-man.mjs'), '--out', regenerated], { cwd: REPO });
  });
  afterAll(async () => {
    await rm(regenerated, { recursive: true, force: true });
  });

  it('are xlp(1) and one page per command, topics joined by "-", all of them linked by package.json', async () => {
    const pages = (await readdir(join(REPO, 'man', 'man1'))).sort();
    expect(pages).toContain('xlp.1');
    for (const id of sourceCommandIds()) expect(pages).toContain(`xlp-${id.replaceAll(':', '-')}.1`);
    expect([...pkg().man].sort(), 'package.json "man" (npm run docs writes it)').toEqual(pages.map((page) => `./man/man1/${page}`));
  });

  it('are what scripts/gen-man.mjs writes from the manifest now', async () => {
    const pages = (await readdir(join(REPO, 'man', 'man1'))).sort();
    expect((await readdir(join(regenerated, 'man1'))).sort()).toEqual(pages);
    for (const page of pages) {
      expect(await readFile(join(REPO, 'man', 'man1', page), 'utf8'), page).toBe(await readFile(join(regenerated, 'man1', page), 'utf8'));
    }
  });

  it("name each command's flags, their environment variables and its exit codes", async () => {
    for (const [id, command] of Object.entries(manifest().commands)) {
      const page = `xlp-${id.replaceAll(':', '-')}.1`;
      const text = await readFile(join(REPO, 'man', 'man1', page), 'utf8');
      expect(text, page).toContain(`.SH NAME\n${`xlp-${id.replaceAll(':', '-')}`.replaceAll('-', '\\-')} \\- `);
      for (const flag of Object.values(command.flags).filter((candidate) => !candidate.hidden)) {
        const name = flag.name.replaceAll('-', '\\-');
        expect(text.includes(`\\fB\\-\\-${name}\\fR`) || text.includes(`[\\fBno\\-\\fR]\\fB${name}\\fR`), `${page}: --${flag.name}`).toBe(true);
        if (flag.env) expect(text, `${page}: ${flag.env}`).toContain(`\\fB${flag.env}\\fR`);
      }
      if (command.description?.includes('\nEXIT CODES\n')) expect(text, page).toContain('.SH "EXIT CODES"');
    }
  });

  it('render with man -l and no groff warning', async () => {
    for (const page of await readdir(join(REPO, 'man', 'man1'))) {
      const result = await execa('man', ['--warnings=w', '-E', 'UTF-8', '-l', '-P', 'cat', join(REPO, 'man', 'man1', page)], {
        env: { MANWIDTH: '80', LC_ALL: 'C.UTF-8' },
        reject: false,
      });
      expect(result.exitCode, `${page}: ${result.stderr} (is man-db installed?)`).toBe(0);
      expect(result.stderr, page).toBe('');
      expect(result.stdout, page).toMatch(/^NAME\n/m);
    }
  });
});

describe('README.md', () => {
  it('holds the command reference oclif readme writes today (npm run docs)', async () => {
    const result = await execa(process.execPath, [join(REPO, 'scripts', 'gen-readme.mjs'), '--check'], { cwd: REPO, reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const id of sourceCommandIds()) expect(readme).toContain(`\n## \`xlp ${id.replaceAll(':', ' ')}`);
  });

  it('keeps its quick start at two command lines', () => {
    const quickStart = /## Quick start\n\n```sh\n([^`]*)```/.exec(readFileSync(join(REPO, 'README.md'), 'utf8'))?.[1] ?? '';
    expect(quickStart.trim().split('\n').map((line) => line.replace(/\s+#.*$/, ''))).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
  });
});

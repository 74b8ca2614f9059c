/**
 * The packed package away from the repository: `npm pack` (of the tree npm test just built), then
 * `npm install -g --prefix` into an empty directory, its dependencies from the npm registry (npm's
 * own cache first: --prefer-offline). Then, from a directory with no repository above it, with a
 * private HOME and a PATH of the prefix, node and the system: --version, help, a payload built by
 * the installed scripts/mkpayload.sh for the simulated host, load, list, revert, unload, the
 * installed fake xl, and the man pages, read with `man -l` and through the links npm made.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REPO } from '../helpers/cli.js';

const BUILD_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f00112233a';

let work: string;
let prefix: string;
let installed: string;
let env: Record<string, string>;

async function run(file: string, args: readonly string[], extra: Record<string, string> = {}) {
  const result = await execa(file, args, { cwd: join(work, 'elsewhere'), env: { ...env, ...extra }, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 });
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1 };
}

const xlp = (...args: string[]) => run(join(prefix, 'bin', 'xlp'), args);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'xlp-package-'));
  // No repository above the directory xlp runs in (oclif would find a package.json walking up).
  for (let dir = work; dir !== dirname(dir); dir = dirname(dir)) {
    expect(existsSync(join(dir, 'package.json')) || existsSync(join(dir, '.git')), `${dir} holds a repository`).toBe(false);
  }
  prefix = join(work, 'prefix');
  await mkdir(join(work, 'elsewhere'));
  await mkdir(join(work, 'home'), { mode: 0o700 });

  const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO, reject: false });
  expect(pack.exitCode, pack.stderr).toBe(0);
  const [report] = JSON.parse(pack.stdout) as Array<{ filename: string }>;
  if (report === undefined) throw new Error(`npm pack reported nothing: ${pack.stdout}`);
  const { filename } = report;

  // npm's own environment and configuration (registry, cache, proxy) apply; the package-time
  // variables of an `npm test` run (npm_package_*, npm_lifecycle_*) and its prefix do not.
  const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(package|lifecycle)_|^npm_config_(global_|local_)?prefix$/i.test(key)));
  const install = await execa('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--no-update-notifier', join(work, filename)], {
    cwd: work,
    env: npmEnv,
    extendEnv: false,
    reject: false,
    timeout: 240_000,
  });
  expect(install.exitCode, `${install.stdout}\n${install.stderr}`).toBe(0);
  installed = join(prefix, 'lib', 'node_modules', 'xlp');

  // Nothing of the repository or of this machine's xlp settings: the prefix's bin, node, the system.
  env = {
    PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':'),
    HOME: join(work, 'home'),
    XLP_SIM_ROOT: join(work, 'sim'),
    NO_COLOR: '1',
    LC_ALL: 'C.UTF-8',
  };
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('is the bundle without the tsc output, and has no test or work files', () => {
    expect(existsSync(join(installed, 'dist', 'bundle', 'main.js'))).toBe(true);
    for (const absent of ['dist/src', 'dist/commands', 'dist/cli', 'test', '.work', 'src', 'commands', 'package-lock.json']) {
      expect(existsSync(join(installed, absent)), absent).toBe(false);
    }
  });

  it('tells its version and its help', async () => {
    const version = await xlp('--version');
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^xlp\/0\.1\.0 linux-\S+ node-v20\./);
    const help = await xlp('help', 'load');
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toContain('Upload a payload and apply it');
    expect(help.stdout).toMatch(/\n {2}\$ xlp load FILE /);
    expect(help.stdout).toContain('EXIT CODES');
  });

  it('loads, lists, reverts and unloads a payload from its own mkpayload.sh on the simulated host', async () => {
    const reset = await xlp('sim', 'reset', '--build-id', BUILD_ID);
    expect(reset.exitCode, reset.stderr).toBe(0);
    // The fake xl of the package tells the build-id as `xl info` would.
    const info = await run(join(installed, 'bin', 'sim', 'xl'), ['info']);
    expect(info.stdout, info.stderr).toMatch(new RegExp(`^build_id +: ${BUILD_ID}$`, 'm'));

    const payload = join(work, 'xsa-pkg.livepatch');
    const build = await run(join(installed, 'scripts', 'mkpayload.sh'), ['--out', payload, '--xen-build-id', BUILD_ID, '--id', 'xsa_pkg', '--returns', '-pkg', '--modinfo', 'XSA=999']);
    expect(build.exitCode, build.stderr).toBe(0);

    const list = async (): Promise<Array<{ name: string; state: string }>> => {
      const result = await xlp('list', '--backend', 'sim', '--json');
      expect(result.exitCode, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { payloads: Array<{ name: string; state: string }> }).payloads.map(({ name, state }) => ({ name, state }));
    };
    const load = await xlp('load', payload, '--backend', 'sim');
    expect(load.exitCode, load.stderr).toBe(0);
    expect(await list()).toEqual([{ name: 'xsa-pkg', state: 'APPLIED' }]);
    const revert = await xlp('revert', 'xsa-pkg', '--backend', 'sim');
    expect(revert.exitCode, revert.stderr).toBe(0);
    expect(await list()).toEqual([{ name: 'xsa-pkg', state: 'CHECKED' }]);
    const unload = await xlp('unload', 'xsa-pkg', '--backend', 'sim');
    expect(unload.exitCode, unload.stderr).toBe(0);
    expect(await list()).toEqual([]);
    const audit = await xlp('audit', 'verify', '--backend', 'sim');
    expect(audit.exitCode, audit.stderr).toBe(0);
  });

  it('has man pages: man -l reads a shipped one, and man finds them where npm linked them', async () => {
    const page = await run('man', ['-l', '-P', 'cat', join(installed, 'man', 'man1', 'xlp-load.1')], { MANWIDTH: '80' });
    expect(page.exitCode, page.stderr).toBe(0);
    expect(page.stdout).toMatch(/^NAME\n +xlp-load - Upload a payload/m);
    expect(page.stdout).toMatch(/^EXIT CODES$/m);
    expect(page.stdout).toMatch(/--backend=xen-livepatch\|sim\n(?:.*\n){1,3}.*Environment variable: XLP_BACKEND\./);

    const linked = await run('man', ['-P', 'cat', 'xlp-audit-verify'], { MANWIDTH: '80', MANPATH: join(prefix, 'share', 'man') });
    expect(linked.exitCode, linked.stderr).toBe(0);
    expect(linked.stdout).toMatch(/^NAME\n +xlp-audit-verify - /m);
    const overview = await run('man', ['-P', 'cat', 'xlp'], { MANWIDTH: '80', MANPATH: join(prefix, 'share', 'man') });
    expect(overview.stdout).toMatch(/^ +xlp load FILE$/m);
    expect(overview.stdout).toContain('xlp-load(1)');
  });
});

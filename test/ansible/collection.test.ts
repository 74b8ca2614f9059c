/**
 * The xlp.livepatch collection as Ansible's own tools see it: ansible-galaxy builds and installs it,
 * ansible-doc renders each module's options, examples and return values, and the ansible-test sanity
 * tests that run offline pass. Its version is xlp's.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleBaseEnv, ansibleSuiteEnabled, COLLECTION_SRC, installCollection } from '../helpers/ansible-fleet.js';
import { REPO } from '../helpers/cli.js';

const MODULES = ['xlp_sync', 'xlp_payload', 'xlp_info'] as const;
const COMMON_OPTIONS = ['xlp', 'host', 'ssh_config', 'backend', 'sim_state', 'xen_livepatch', 'xl', 'audit_log', 'timeout', 'lock_timeout'];
/**
 * The sanity tests that need no virtual environment. The others (validate-modules, pylint, pep8,
 * yamllint, import, ansible-doc, runtime-metadata) install their requirements with pip from PyPI,
 * which this machine cannot reach (docs/ansible.md).
 */
const OFFLINE_SANITY = ['action-plugin-docs', 'changelog', 'compile', 'empty-init', 'future-import-boilerplate', 'ignores', 'line-endings', 'metaclass-boilerplate', 'no-assert', 'no-basestring', 'no-dict-iteritems', 'no-get-exception', 'no-illegal-filenames', 'no-main-display', 'no-smart-quotes', 'no-unicode-literals', 'replace-urlopen', 'shebang', 'symlinks', 'use-argspec-type-path', 'use-compat-six'];

const enabled = ansibleSuiteEnabled('the Ansible collection tests');

describe.runIf(enabled)('the xlp.livepatch collection', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xlp-collection-'));
    ({ root } = await installCollection(dir));
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("carries xlp's version", async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const galaxy = await readFile(join(COLLECTION_SRC, 'galaxy.yml'), 'utf8');
    expect(galaxy).toMatch(new RegExp(`^version: ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    const manifest = JSON.parse(await readFile(join(root, 'MANIFEST.json'), 'utf8')) as { collection_info: { version: string; namespace: string; name: string } };
    expect(manifest.collection_info).toMatchObject({ namespace: 'xlp', name: 'livepatch', version: pkg.version });
  });

  it.each(MODULES)('documents %s for ansible-doc: options, examples, return values, check mode', async (module) => {
    const { stdout } = await execa('ansible-doc', ['-j', '-t', 'module', `xlp.livepatch.${module}`], { env: ansibleBaseEnv(dir), extendEnv: false });
    const doc = (JSON.parse(stdout) as Record<string, { doc: { options: Record<string, unknown>; attributes: { check_mode: { support: string } } }; examples: string; return: Record<string, unknown> }>)[`xlp.livepatch.${module}`]!;
    expect(Object.keys(doc.doc.options)).toEqual(expect.arrayContaining(COMMON_OPTIONS));
    expect(doc.doc.attributes.check_mode.support).toBe('full');
    expect(doc.examples).toContain(`xlp.livepatch.${module}:`);
    expect(Object.keys(doc.return).length).toBeGreaterThan(0);
  });

  it('passes the ansible-test sanity tests that run offline', async () => {
    // ansible-test wants the collection at ansible_collections/NAMESPACE/NAME.
    const tree = join(dir, 'sanity', 'ansible_collections', 'xlp', 'livepatch');
    await cp(COLLECTION_SRC, tree, { recursive: true });
    const { stdout: version } = await execa('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    const tests = OFFLINE_SANITY.flatMap((test) => ['--test', test]);
    const result = await execa('ansible-test', ['sanity', '--python', version.trim(), ...tests], { cwd: tree, env: ansibleBaseEnv(dir), extendEnv: false, reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
    for (const test of OFFLINE_SANITY) expect(result.all).toContain(`Running sanity test "${test}"`);
  }, 300_000);
});

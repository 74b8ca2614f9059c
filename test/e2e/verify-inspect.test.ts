/** `xlp inspect` on payloads gcc and ld build during the run, with binutils readelf as the oracle. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { initSimState } from '../../src/host/sim/admin.js';
import type { InspectReport } from '../../src/verify/inspect.js';
import { isolatedEnv, runXlp, withTempDir } from '../helpers/cli.js';
import { TEST_XEN_BUILD_ID as XEN, buildPayload, fixtureDir } from '../helpers/payloads.js';

const OTHER = '00112233445566778899aabbccddeeff00112233';
let rich: string;
let env: Record<string, string>;

beforeAll(async () => {
  rich = await buildPayload({ id: 'insp', depends: OTHER, modinfo: ['XSA=466', 'CVE=CVE-2024-45817', 'VERSION=3'], hooks: ['load', 'preapply'], withData: true, oldSize: 14 });
  env = isolatedEnv(await fixtureDir());
});

const inspectJson = async (file: string, ...args: string[]): Promise<{ report: InspectReport; exitCode: number }> => {
  const result = await runXlp(['inspect', file, '--json', ...args], env);
  return { report: JSON.parse(result.stdout) as InspectReport, exitCode: result.exitCode };
};

/** readelf -n: the payload's own build-id (the only SHT_NOTE section). */
async function readelfBuildId(file: string): Promise<string | undefined> {
  const { stdout } = await execa('readelf', ['-Wn', file]);
  return /Build ID: ([0-9a-f]+)/.exec(stdout)?.[1];
}

/**
 * The descriptor of the GNU note in a PROGBITS section (.livepatch.depends and xen_depends are not
 * SHT_NOTE, so readelf -n skips them), from readelf -x's hex dump: namesz, descsz, type, "GNU\0", desc.
 */
async function readelfNoteSection(file: string, section: string): Promise<string> {
  const { stdout } = await execa('readelf', ['-x', section, file]);
  const hex = stdout
    .split('\n')
    .map((line) => /^\s+0x[0-9a-f]+ ((?:[0-9a-f]{2,8} ){1,4})/.exec(line)?.[1] ?? '')
    .join('')
    .replace(/ /g, '');
  const bytes = Buffer.from(hex, 'hex');
  return bytes.subarray(16, 16 + bytes.readUInt32LE(4)).toString('hex');
}

/** readelf -S: name and size of every section. */
async function readelfSections(file: string): Promise<Array<{ name: string; size: number }>> {
  const { stdout } = await execa('readelf', ['-WS', file]);
  return stdout
    .split('\n')
    .map((line) => /^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[1] !== '0')
    .map((m) => ({ name: m[2]!, size: parseInt(m[3]!, 16) }));
}

describe('xlp inspect', () => {
  it('reports the build-ids readelf reads, the sha256 sha256sum computes and the sections readelf lists', async () => {
    const { report, exitCode } = await inspectJson(rich);
    expect(exitCode).toBe(0);
    expect(report.buildId).toBe(await readelfBuildId(rich));
    expect(report.depends).toBe(await readelfNoteSection(rich, '.livepatch.depends'));
    expect(report.xenDepends).toBe(await readelfNoteSection(rich, '.livepatch.xen_depends'));
    expect([report.depends, report.xenDepends]).toEqual([OTHER, XEN]);
    const bytes = await readFile(rich);
    expect(report.sha256).toBe((await execa('sha256sum', [rich])).stdout.split(' ')[0]);
    expect(report.size).toBe(bytes.length);
    expect(report.sections.map(({ name, size }) => ({ name, size }))).toEqual(await readelfSections(rich));
  });

  it('shows the patched function, hooks, writable data and the advisories of .modinfo', async () => {
    const { report } = await inspectJson(rich);
    expect(report.funcs).toEqual([{ name: 'xen_extra_version', oldAddress: 'by-name', oldSize: 14, newSize: expect.any(Number), version: 2 }]);
    expect(report.funcVersions).toEqual([2]);
    expect(report.hooks).toEqual(['load', 'preapply']);
    expect(report.modinfo).toEqual(['XSA=466', 'CVE=CVE-2024-45817', 'VERSION=3']);
    expect(report.advisories).toEqual(['XSA=466', 'CVE=CVE-2024-45817']);
    expect(report.writableSections).toContain('.data');
    const text = await runXlp(['inspect', rich], env);
    expect(text.stdout.split('\n')[1]).toBe('  FIXES        XSA=466  CVE=CVE-2024-45817');
    expect(text.stdout).toContain('(stacks on another payload)');
    expect(text.stdout).toMatch(/xen_extra_version: old 14 bytes resolved by name, new \d+ bytes/);
    expect(text.stdout).toContain('Acceptable to Xen 4.14+');
  });

  it('prints the report and exits 8 when Xen would refuse the payload', async () => {
    const bad = await buildPayload({ id: 'inspbad', oldSize: 0 });
    const { report, exitCode } = await inspectJson(bad);
    expect(exitCode).toBe(ExitCode.INVALID_PAYLOAD);
    expect(report.acceptable).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'func-old-size', errno: 22, errnoName: 'EINVAL' })]);
    const text = await runXlp(['inspect', bad], env);
    expect(text.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
    expect(text.stdout).toMatch(/Xen would refuse this payload:\n {2}- .*old_size 0 \(EINVAL\)/);
  });

  it('with a host, compares xen_depends with its build-id', async () => {
    await withTempDir('xlp-e2e-inspect-', async (home) => {
      const state = join(home, 'sim', 'state.json');
      await initSimState(state, { buildId: OTHER });
      const hostEnv = isolatedEnv(home);
      const result = await runXlp(['inspect', rich, '--json', '--backend', 'sim', '--sim-state', state], hostEnv);
      // The file is sound; this host would refuse its load (Xen's build-id check), with load's own code.
      expect(result.exitCode).toBe(ExitCode.REJECTED);
      expect(JSON.parse(result.stdout)).toMatchObject({
        host: `sim:${state}`,
        onHost: { xenBuildId: OTHER, xenDependsMatches: false, dependsOnHypervisor: true, load: { wouldSucceed: false, refusal: { code: 'xen-build-id-mismatch', exitCode: ExitCode.REJECTED } } },
        acceptable: false,
        problems: [],
      });
      await initSimState(state, { buildId: XEN });
      // xen_depends matches now, but the payload depends on OTHER and nothing is applied under it: the load would still fail.
      const matching = await runXlp(['inspect', rich, '--json', '--backend', 'sim', '--sim-state', state], hostEnv);
      expect(matching.exitCode).toBe(ExitCode.REJECTED);
      expect(JSON.parse(matching.stdout)).toMatchObject({ onHost: { xenBuildId: XEN, xenDependsMatches: true, load: { wouldSucceed: false, refusal: { exitCode: ExitCode.REJECTED } } } });
      const onTheHypervisor = await buildPayload({ id: 'insp_ok', depends: XEN });
      const loadable = await runXlp(['inspect', onTheHypervisor, '--backend', 'sim', '--sim-state', state], hostEnv);
      expect(loadable.exitCode, loadable.stderr).toBe(0);
      expect(loadable.stdout).toContain(`Xen build-id ${XEN}, matches xen_depends`);
    });
  });

  it('refuses what is not a payload file with a one-line error', async () => {
    const result = await runXlp(['inspect', '/etc/hostname'], env);
    expect(result.exitCode).toBe(ExitCode.INVALID_PAYLOAD);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

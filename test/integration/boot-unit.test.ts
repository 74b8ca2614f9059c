/**
 * The boot unit the package ships (systemd/xlp-boot.service), checked by systemd's own verifier and
 * held to what docs/boot.md promises: oneshot, kept active, no ExecStop, ordered after Xen's init and
 * before the guests, bounded, nothing that makes guests wait on it; and an ExecStart= that busybox's
 * shell runs as well as systemd does (the real-Xen boot VM's /init runs it).
 */
import { readFileSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO, XLP_BIN, withTempDir } from '../helpers/cli.js';

const UNIT = join(REPO, 'systemd', 'xlp-boot.service');
const text = readFileSync(UNIT, 'utf8');
/** Every `Key=value` of a section, in order (comments and blank lines skipped). */
function settings(section: string): Array<[string, string]> {
  const body = text.split(/^\[/m).find((part) => part.startsWith(`${section}]`)) ?? '';
  return body
    .split('\n')
    .slice(1)
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]);
}
const values = (section: string, key: string): string[] => settings(section).filter(([k]) => k === key).map(([, v]) => v);

const analyze = await execa('systemd-analyze', ['--version'], { reject: false }).catch(() => undefined);
const noAnalyze = analyze === undefined || analyze.exitCode !== 0 ? 'systemd-analyze is not installed (apt-get install systemd)' : undefined;

describe('systemd/xlp-boot.service', () => {
  it.skipIf(noAnalyze !== undefined && !process.env.CI)(`passes systemd-analyze verify${noAnalyze === undefined ? '' : ` (skipped: ${noAnalyze})`}`, async () => {
    const result = await execa('systemd-analyze', ['verify', UNIT], { reject: false });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('is a oneshot that stays active, with no ExecStop, ordered after Xen and before the guests, bounded', () => {
    expect(values('Service', 'Type')).toEqual(['oneshot']);
    expect(values('Service', 'RemainAfterExit')).toEqual(['yes']);
    expect(values('Service', 'ExecStop')).toEqual([]);
    expect(values('Unit', 'After').join(' ').split(' ')).toEqual(expect.arrayContaining(['proc-xen.mount', 'xen-init-dom0.service', 'xen.service']));
    expect(values('Unit', 'Before')).toEqual(['xendomains.service']);
    // A failure must not keep guests from starting: nothing binds the unit to them or them to it.
    for (const key of ['Requires', 'RequiredBy', 'BindsTo', 'Requisite']) expect([...values('Unit', key), ...values('Install', key)], key).toEqual([]);
    const timeout = values('Service', 'TimeoutStartSec');
    expect(timeout).toHaveLength(1);
    expect(Number(timeout[0])).toBeGreaterThan(0);
    expect(Number(timeout[0])).toBeLessThanOrEqual(300);
    expect(values('Install', 'WantedBy')).toEqual(['multi-user.target']);
  });

  it("runs xlp boot through a command busybox's shell runs too (the boot VM's /init does)", async () => {
    const [execStart] = values('Service', 'ExecStart');
    expect(execStart).toBe('/usr/bin/env xlp boot');
    // The words as sh splits them, and env finding xlp on the PATH, as npm install -g links it.
    await withTempDir('xlp-unit-path-', async (dir) => {
      await symlink(XLP_BIN, join(dir, 'xlp'));
      const result = await execa('sh', ['-c', `${execStart} --help`], { env: { PATH: `${dir}:${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin` }, extendEnv: false, reject: false });
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^Re-apply, at boot, what the last sync left on this host/);
      expect(result.stdout).toContain('$ xlp boot [--json]');
    });
  });
});

/**
 * `xlp boot` through the built CLI on the simulated host. A reboot of the simulated host is `xlp sim
 * reset` with the same build-id: nothing stays loaded, a new boot time (its proc/stat) and command
 * line (proc/cmdline) are written, and what xlp keeps in the sim root (the store, the guard, the
 * journal) stays, as a real host's disk does. Each scenario ends with `xlp audit verify`.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, isolatedEnv, runXlp, withTempDir, type CliResult } from '../helpers/cli.js';
import { TEST_XEN_BUILD_ID, buildPayload } from '../helpers/payloads.js';
import { buildIdOf } from '../helpers/sim-host.js';
import { systemConfigUnavailable, xlpWithSystemConfig } from '../helpers/system-config.js';

const OTHER_XEN = 'ab'.repeat(20);
/** Why /etc/xlp cannot be replaced here (not root, no unshare), or undefined. */
const etc = await withTempDir('xlp-boot-probe-', (dir) => systemConfigUnavailable(dir));
let payloads: { one: string; two: string };

beforeAll(async () => {
  const one = await buildPayload({ id: 'bootone', returns: '-bootone' });
  const two = await buildPayload({ id: 'boottwo', returns: '-boottwo', depends: await buildIdOf(one) });
  payloads = { one, two };
});

interface Host {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly manifest: string;
  xlp(...args: string[]): Promise<CliResult>;
  /** The host restarts on `buildId`: nothing loaded, a new boot time, this kernel command line. */
  reboot(buildId?: string, cmdline?: string): Promise<void>;
  listed(): Promise<string[]>;
  /** The journal's boot records, in order. */
  boots(): Promise<Array<Record<string, unknown>>>;
  verified(): Promise<void>;
}

async function simHost(dir: string): Promise<Host> {
  const env = isolatedEnv(dir, { XLP_BACKEND: 'sim', XLP_SIM_STATE: join(dir, 'sim', 'state.json') });
  const entries = await Promise.all(
    (['one', 'two'] as const).map(async (key, i) => {
      const file = payloads[key];
      const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
      return `      - name: xsa-${i + 1}\n        file: ${file}\n        sha256: ${sha256}\n        state: applied`;
    }),
  );
  const manifest = join(dir, 'site.yaml');
  await writeFile(manifest, `version: 1\nhypervisors:\n  - build-id: ${TEST_XEN_BUILD_ID}\n    payloads:\n${entries.join('\n')}\n`);
  const host: Host = {
    dir,
    env,
    manifest,
    xlp: (...args) => runXlp(args, env),
    async reboot(buildId = TEST_XEN_BUILD_ID, cmdline = '') {
      const result = await host.xlp('sim', 'reset', '--build-id', buildId, '--xen-version', '4.17.7', '--cmdline', cmdline);
      expect(result.exitCode, result.stderr).toBe(0);
    },
    async listed() {
      const result = await host.xlp('list', '--json');
      return (JSON.parse(result.stdout) as { payloads: Array<{ name: string; state: string }> }).payloads.map((p) => `${p.name} ${p.state}`);
    },
    async boots() {
      const text = await readFile(join(dir, 'sim', 'audit.jsonl'), 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((r) => r.type === 'boot');
    },
    async verified() {
      const result = await host.xlp('audit', 'verify');
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    },
  };
  await host.reboot();
  return host;
}

/** A host the manifest was synced to (so its store holds both payloads), then rebooted; `window` is the guard's. */
async function syncedAndRebooted(dir: string, window = '0'): Promise<Host> {
  const host = await simHost(dir);
  const sync = await host.xlp('sync', '-f', host.manifest, '-q');
  expect(sync.exitCode, sync.stderr).toBe(0);
  expect(await host.listed()).toEqual(['xsa-1 APPLIED', 'xsa-2 APPLIED']);
  host.env.XLP_BOOT_GUARD_WINDOW = window;
  await host.reboot();
  expect(await host.listed()).toEqual([]);
  return host;
}

describe('xlp boot', () => {
  it('re-applies the kept 2-payload stack in order after a reboot, journaled; check passes; a second boot changes nothing', async () => {
    await withTempDir('xlp-boot-', async (dir) => {
      const host = await syncedAndRebooted(dir);
      const boot = await host.xlp('boot', '--json');
      expect(boot.exitCode, boot.stderr).toBe(0);
      const result = JSON.parse(boot.stdout) as { outcome: string; kept: string[]; reapplied: string[]; steps: Array<{ action: string; name: string; result: string }> };
      expect(result).toMatchObject({ outcome: 'reapplied', kept: ['xsa-1', 'xsa-2'], reapplied: ['xsa-1', 'xsa-2'] });
      expect(result.steps.map((s) => `${s.action} ${s.name} ${s.result}`)).toEqual(['upload xsa-1 done', 'apply xsa-1 done', 'upload xsa-2 done', 'apply xsa-2 done']);
      expect(await host.listed()).toEqual(['xsa-1 APPLIED', 'xsa-2 APPLIED']);
      expect((await host.xlp('check', '-f', host.manifest)).exitCode).toBe(0);

      const again = await host.xlp('boot');
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stdout).toContain('(all were already in place)');
      const boots = await host.boots();
      expect(boots.map((b) => b.outcome)).toEqual(['reapplied', 'reapplied']);
      expect(boots[0]).toMatchObject({ argv: ['boot', '--json'], xenBuildId: TEST_XEN_BUILD_ID, kept: ['xsa-1', 'xsa-2'], reapplied: ['xsa-1', 'xsa-2'] });
      const status = JSON.parse((await host.xlp('status', '--json')).stdout) as { boot: { lastBoot: { outcome: string }; critical: boolean; killSwitch: null } };
      expect(status.boot).toMatchObject({ critical: false, killSwitch: null, lastBoot: { outcome: 'reapplied' } });
      await host.verified();
    });
  });

  it('does nothing for a hypervisor build nothing was kept for, says why and journals it (exit 0)', async () => {
    await withTempDir('xlp-boot-', async (dir) => {
      const host = await syncedAndRebooted(dir);
      await host.reboot(OTHER_XEN);
      const boot = await host.xlp('boot');
      expect(boot.exitCode, boot.stderr).toBe(0);
      expect(boot.stdout).toContain(`the host booted a new hypervisor: no sync left anything on sim:${join(dir, 'sim', 'state.json')} for build-id ${OTHER_XEN}`);
      expect(await host.listed()).toEqual([]);
      expect((await host.boots()).at(-1)).toMatchObject({ outcome: 'nothing-kept', xenBuildId: OTHER_XEN });
      await host.verified();
    });
  });

  it('applies nothing with xlp.enable=0 on the kernel command line; status shows the switch and the reason', async () => {
    await withTempDir('xlp-boot-', async (dir) => {
      const host = await syncedAndRebooted(dir);
      await host.reboot(TEST_XEN_BUILD_ID, 'ro quiet xlp.enable=0');
      const boot = await host.xlp('boot');
      expect(boot.exitCode, boot.stderr).toBe(0);
      expect(boot.stdout).toContain('the kill switch is on: xlp.enable=0 on the kernel command line: nothing applied');
      expect(await host.listed()).toEqual([]);
      expect((await host.boots()).at(-1)).toMatchObject({ outcome: 'disabled', reason: 'the kill switch is on: xlp.enable=0 on the kernel command line: nothing applied' });
      const text = (await host.xlp('status')).stdout;
      expect(text).toContain('kill switch: ON: xlp.enable=0 on the kernel command line');
      expect(text).toContain('last boot: ');
      const json = JSON.parse((await host.xlp('status', '--json')).stdout) as { boot: { killSwitch: string; lastBoot: { outcome: string } } };
      expect(json.boot).toMatchObject({ killSwitch: 'xlp.enable=0 on the kernel command line', lastBoot: { outcome: 'disabled' } });
      // A later xlp.enable=1 on the line wins, as the kernel's last word does.
      await host.reboot(TEST_XEN_BUILD_ID, 'xlp.enable=0 xlp.enable=1');
      expect((await host.xlp('boot')).exitCode).toBe(0);
      expect(await host.listed()).toEqual(['xsa-1 APPLIED', 'xsa-2 APPLIED']);
      await host.verified();
    });
  });

  it.skipIf(etc !== undefined && !process.env.CI)(`applies nothing while /etc/xlp/boot-disabled exists (a private /etc in a mount namespace)${etc === undefined ? '' : ` (skipped: ${etc})`}`, async () => {
    await withTempDir('xlp-boot-', async (dir) => {
      const host = await syncedAndRebooted(dir);
      const system = join(dir, 'etc-xlp');
      await mkdir(system, { mode: 0o755 });
      await writeFile(join(system, 'boot-disabled'), 'kernel upgrade under way (ticket 4711)\n');
      await chmod(system, 0o755);
      const boot = await xlpWithSystemConfig(system, join(dir, 'scratch1'), ['boot'], host.env);
      expect(boot.exitCode, boot.stderr).toBe(0);
      expect(boot.stdout).toContain('the kill switch is on: /etc/xlp/boot-disabled exists (kernel upgrade under way (ticket 4711)): nothing applied');
      expect(await host.listed()).toEqual([]);
      const status = await xlpWithSystemConfig(system, join(dir, 'scratch2'), ['status', '--json'], host.env);
      expect((JSON.parse(status.stdout) as { boot: { killSwitch: string } }).boot.killSwitch).toBe('/etc/xlp/boot-disabled exists (kernel upgrade under way (ticket 4711))');
      expect((await host.boots()).at(-1)).toMatchObject({ outcome: 'disabled' });
      // Without the file (the machine's /etc/xlp has none), boot applies again.
      expect((await host.xlp('boot')).exitCode).toBe(0);
      expect(await host.listed()).toEqual(['xsa-1 APPLIED', 'xsa-2 APPLIED']);
      await host.verified();
    });
  });

  it('the crash-loop guard: a reboot within the window after an apply holds the stack back (exit 18, status CRITICAL) until xlp boot clear', async () => {
    await withTempDir('xlp-boot-', async (dir) => {
      // The sync applied both just now; the host "went down" within the default 600 s window.
      const host = await syncedAndRebooted(dir, '600');
      const held = await host.xlp('boot', '--json');
      expect(held.exitCode).toBe(18);
      const result = JSON.parse(held.stdout) as { outcome: string; heldBack: Array<{ name: string; reason: string }> };
      expect(result.outcome).toBe('held-back');
      expect(result.heldBack.map((h) => h.name)).toEqual(['xsa-1', 'xsa-2']);
      expect(result.heldBack[0]?.reason).toContain('the crash-loop guard holds it back');
      expect(held.stderr).toContain('xlp: boot on sim:');
      expect(await host.listed()).toEqual([]);
      const status = await host.xlp('status');
      expect(status.stdout).toMatch(/^CRITICAL: the crash-loop guard holds back xsa-1, xsa-2 since .*: the host went down within 600 s of applying xsa-1, xsa-2/m);
      expect(JSON.parse((await host.xlp('status', '--json')).stdout).boot).toMatchObject({ critical: true, guard: { state: 'tripped', payloads: ['xsa-1', 'xsa-2'] } });
      // Still held back at the next boot: only an operator clears it.
      await host.reboot();
      expect((await host.xlp('boot')).exitCode).toBe(18);

      const clear = await host.xlp('boot', 'clear');
      expect(clear.exitCode, clear.stderr).toBe(0);
      expect(clear.stdout).toContain('the next boot applies xsa-1, xsa-2 again');
      expect(JSON.parse((await host.xlp('status', '--json')).stdout).boot).toMatchObject({ critical: false, guard: { state: 'clear' } });
      const boot = await host.xlp('boot');
      expect(boot.exitCode, boot.stderr).toBe(0);
      expect(await host.listed()).toEqual(['xsa-1 APPLIED', 'xsa-2 APPLIED']);
      // That boot's applies arm the guard again: a reboot within the window would trip it.
      expect(JSON.parse((await host.xlp('status', '--json')).stdout).boot.guard).toMatchObject({ state: 'armed', payloads: ['xsa-1', 'xsa-2'] });
      expect((await host.boots()).map((b) => b.outcome)).toEqual(['held-back', 'held-back', 'guard-cleared', 'reapplied']);
      await host.verified();
    });
  });

  it('a payload whose kept bytes changed is refused (exit 18): the stack below it is applied', async () => {
    await withTempDir('xlp-boot-', async (dir) => {
      const host = await syncedAndRebooted(dir);
      const sha = createHash('sha256').update(await readFile(payloads.two)).digest('hex');
      const kept = join(dir, 'sim', 'payloads', sha);
      const bytes = await readFile(kept);
      bytes[200] = (bytes[200] ?? 0) ^ 0xff;
      await writeFile(kept, bytes);
      const boot = await host.xlp('boot', '--json');
      expect(boot.exitCode).toBe(18);
      const result = JSON.parse(boot.stdout) as { reapplied: string[]; heldBack: Array<{ name: string; reason: string }> };
      expect(result.reapplied).toEqual(['xsa-1']);
      expect(result.heldBack).toEqual([{ name: 'xsa-2', reason: expect.stringContaining(`refused: the payload kept on sim:${join(dir, 'sim', 'state.json')} as ${sha} has changed: its sha256 is now `) }]);
      expect(await host.listed()).toEqual(['xsa-1 APPLIED']);
      expect((await host.boots()).at(-1)).toMatchObject({ outcome: 'held-back', reapplied: ['xsa-1'], error: { code: 'boot-held-back', exitCode: 18 } });
      await host.verified();
    });
  });

  it('stops at --boot-timeout between steps (exit 19): the step under way ends, nothing starts after it, journaled', async () => {
    await withTempDir('xlp-boot-', async (dir) => {
      const host = await syncedAndRebooted(dir);
      // The first apply takes 8 s in the hypervisor; boot may take 3 s: the stop request comes while
      // xsa-1 is uploaded or applied (the machine's load decides which), and that step ends.
      expect((await host.xlp('sim', 'fault', 'incomplete', '--action', 'apply', '--duration-ms', '8000')).exitCode).toBe(0);
      const started = Date.now();
      const boot = await host.xlp('boot', '--boot-timeout', '3');
      expect(boot.exitCode, boot.stderr).toBe(19);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(boot.stderr).toContain('boot ran past its timeout of 3 s');
      expect([['xsa-1 CHECKED'], ['xsa-1 APPLIED']]).toContainEqual(await host.listed());
      expect((await host.boots()).at(-1)).toMatchObject({ outcome: 'timeout', error: { code: 'boot-timeout', exitCode: 19 } });
      await host.verified();
    });
  });

  it('refuses --host (it judges the boot of the machine it runs on) and a boot timeout it cannot use', async () => {
    await withTempDir('xlp-boot-', async (dir) => {
      const host = await simHost(dir);
      const remote = await host.xlp('boot', '--host', 'root@dom0.example.org');
      expect(remote.exitCode).toBe(2);
      expect(remote.stderr).toMatch(/^xlp: error: xlp boot runs on the host it re-applies on/);
      expect((await host.xlp('boot', '--boot-timeout', '0')).exitCode).toBe(2);
      expect((await runXlp(['boot'], { ...host.env, XLP_BOOT_TIMEOUT: '2m' })).exitCode).toBe(2);
    });
  });
});

describe('xlp boot enable|disable|status (the simulated host keeps its unit in the sim root)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xlp-boot-unit-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('installs the unit the package ships, reports it, and removes it', async () => {
    const env = isolatedEnv(dir, { XLP_BACKEND: 'sim', XLP_SIM_STATE: join(dir, 'sim', 'state.json') });
    const file = join(dir, 'sim', 'systemd', 'system', 'xlp-boot.service');
    expect(JSON.parse((await runXlp(['boot', 'status', '--json'], env)).stdout)).toMatchObject({ installed: false, file });
    const enable = await runXlp(['boot', 'enable'], env);
    expect(enable.exitCode, enable.stderr).toBe(0);
    expect(enable.stdout).toContain('xlp-boot.service on sim:');
    expect(await readFile(file, 'utf8')).toBe(await readFile(join(REPO, 'systemd', 'xlp-boot.service'), 'utf8'));
    expect(JSON.parse((await runXlp(['boot', 'status', '--json'], env)).stdout)).toMatchObject({ installed: true, current: true, systemd: false });
    // An older unit is reported as not the one this xlp ships, and replaced by enable.
    await writeFile(file, '[Service]\nExecStart=/usr/bin/xlp boot\n');
    expect(JSON.parse((await runXlp(['boot', 'status', '--json'], env)).stdout)).toMatchObject({ installed: true, current: false });
    expect((await runXlp(['boot', 'enable'], env)).exitCode).toBe(0);
    expect(JSON.parse((await runXlp(['boot', 'status', '--json'], env)).stdout)).toMatchObject({ current: true });
    expect((await runXlp(['boot', 'disable'], env)).exitCode).toBe(0);
    expect(JSON.parse((await runXlp(['boot', 'status', '--json'], env)).stdout)).toMatchObject({ installed: false });
  });
});

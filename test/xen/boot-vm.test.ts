/**
 * The boot VM: what the tests of `xlp boot` stand on, proved on the real hypervisor. The 4.20 dom0 has
 * a persistent disk (scripts/xen-vm/build-disk.sh) with /var/lib/xlp, /etc/xlp, the boot unit and
 * trixie's Node.js with the built xlp; its /init runs the unit's ExecStart= at boot under a timeout
 * (scripts/xen-vm/dom0-init.sh); test/xen/boot-control.ts reboots it. Each test checks one boot; they
 * run in order (each reboot follows the previous test's), and every check goes through raw ssh or the
 * host's copy of the console log. Times are printed for docs/performance.md.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { BOOT_UNIT, BOOT_UNIT_LOG, readConsole, rebootVm, unitRuns, writeDom0File, type BootRecord } from './boot-control.js';
import { inDom0, isSkip, resetHypervisor, xenLabel, xenVm, type XenVm } from './vm.js';

const vmOrSkip = xenVm();
const noDisk = !isSkip(vmOrSkip) && vmOrSkip.disk === undefined;
const skipped = noDisk ? ` (skipped: Xen ${vmOrSkip.series}'s dom0 has no persistent disk and no Node.js: bookworm's Node.js 18 is below xlp's engines field)` : '';
if (noDisk) console.warn(`test/xen/boot-vm.test.ts${skipped}`);
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
// Node.js under TCG in a PV dom0: 7-20 s per process; a reboot 30-60 s, more under load.
const LONG = 900_000;

const PLACEHOLDER_UNIT = `[Unit]
Description=Placeholder for xlp's boot unit (test/xen/boot-vm.test.ts)
After=xen.service proc-xen.mount
Before=xendomains.service

[Service]
Type=oneshot
RemainAfterExit=yes
Environment="MARKER=boot-unit marker"
ExecStart=/bin/sh -c 'echo "$MARKER $(cat /proc/sys/kernel/random/boot_id)"; echo "on stderr" >&2; echo ran >> /var/lib/xlp/unit-ran'

[Install]
WantedBy=multi-user.target
`;

// Opens a "window" (a file on the disk, synced) and stays in it for a minute; the boot after a crash in
// the window finds the file: a stand-in for xlp's crash guard after an apply.
const WINDOW_UNIT = `[Service]
Type=oneshot
ExecStart=/bin/sh -c 'if [ -e /var/lib/xlp/probe-window ]; then echo "the previous boot crashed in the window"; rm /var/lib/xlp/probe-window; else touch /var/lib/xlp/probe-window; sync; echo "window open"; sleep 60; rm /var/lib/xlp/probe-window; echo "window closed"; fi'
`;

const HANGING_UNIT = `[Service]
Type=oneshot
TimeoutStartSec=5s
ExecStart=/bin/sh -c 'echo hanging; trap "" TERM; exec sleep 600'
`;

describe.skipIf(isSkip(vmOrSkip) || noDisk)(`the boot VM of real ${xenLabel(vmOrSkip)}${skipped}`, () => {
  const vm = vmOrSkip as XenVm;
  const timings: string[] = [];
  let previous: BootRecord;

  const dom0 = async (command: string): Promise<string> => {
    const result = await inDom0(vm, command, 300_000);
    expect(result.exitCode, `${command}: ${result.stdout}${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const timed = async (what: string, command: string): Promise<string> => {
    const started = Date.now();
    const stdout = await dom0(command);
    timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return stdout;
  };
  const bootId = async (): Promise<string> => (await dom0('cat /proc/sys/kernel/random/boot_id')).trim();
  const reboot = async (what: string, options: Parameters<typeof rebootVm>[1] = {}): Promise<BootRecord> => {
    const boot = await rebootVm(vm, options);
    timings.push(`${what} ${boot.rebootSeconds} s (down ${boot.downSeconds} s, QEMU start to ready ${boot.bootSeconds} s)`);
    return boot;
  };

  beforeAll(() => {
    previous = vm.firstBoot;
    timings.push(`first boot ${vm.firstBoot.bootSeconds} s`);
  });
  afterAll(async () => {
    // The VM stays up for the other files, with no unit left to run at a later boot.
    await inDom0(vm, `rm -f ${BOOT_UNIT} /var/lib/xlp/probe-* /var/lib/xlp/unit-ran`);
    console.warn(`boot VM (${xenLabel(vm)}): ${timings.join('; ')}`);
  });

  it('runs the built xlp in dom0 from the disk: --version, and list against the real xen-livepatch', { timeout: LONG }, async () => {
    await resetHypervisor(vm);
    const mounts = await dom0('mount');
    for (const dir of ['/var/lib/xlp', '/etc/xlp', '/etc/systemd/system', '/var/log']) expect(mounts).toContain(`/dev/vda on ${dir} type ext4`);
    expect(await timed('xlp --version', 'xlp --version')).toMatch(new RegExp(`^xlp/${VERSION.replace(/\./g, '\\.')} linux-x64 node-v20\\.(19|[2-9]\\d)\\.`));

    // One payload uploaded with the raw tool: xlp must see what xen-livepatch sees.
    await writeDom0File(vm, '/tmp/xenlab1.livepatch', readFileSync(join(vm.payloadDir, 'xenlab1.livepatch')));
    await dom0('xen-livepatch upload xenlab1 /tmp/xenlab1.livepatch');
    try {
      const listed = JSON.parse(await timed('xlp list --json', 'xlp list --json')) as { host: string; payloads: { name: string; state: string }[] };
      expect(listed.host).toBe('localhost');
      expect(listed.payloads.map(({ name, state }) => ({ name, state }))).toEqual([{ name: 'xenlab1', state: 'CHECKED' }]);
    } finally {
      await resetHypervisor(vm);
    }
  });

  it("keeps /var/lib/xlp across a graceful reboot, and runs the unit's ExecStart at boot: output and result on the console and in the log file", { timeout: LONG }, async () => {
    const token = randomUUID();
    await dom0(`echo ${token} > /var/lib/xlp/probe-graceful`);
    await writeDom0File(vm, BOOT_UNIT, PLACEHOLDER_UNIT);

    const boot = await reboot('graceful reboot', {});
    expect(boot.shutdown).toBe('graceful');
    expect(await readConsole(previous)).toContain('dom0-init: disk unmounted cleanly');
    previous = boot;
    expect((await dom0('cat /var/lib/xlp/probe-graceful')).trim()).toBe(token);

    const id = await bootId();
    const [run, ...more] = unitRuns(await readConsole(boot));
    expect(more).toEqual([]);
    expect(run).toMatchObject({ bootId: id, exitCode: 0, timedOut: false, notes: [] });
    expect(run?.execStart).toEqual([`/bin/sh -c 'echo "$MARKER $(cat /proc/sys/kernel/random/boot_id)"; echo "on stderr" >&2; echo ran >> /var/lib/xlp/unit-ran'`]);
    expect(run?.output).toEqual([`boot-unit marker ${id}`, 'on stderr']);
    // The log file on the disk holds the same run, line for line (it keeps every boot's runs: the
    // earlier boots of this disk, e.g. boot-reapply.test.ts's, are in it too).
    expect(unitRuns(await dom0(`cat ${BOOT_UNIT_LOG}`)).filter((logged) => logged.bootId === id)).toEqual([run]);
    expect(await dom0('cat /var/lib/xlp/unit-ran')).toBe('ran\n');
  });

  it('keeps what dom0 synced across crashes (QEMU killed, also in the middle of a boot), and passes extra dom0 kernel arguments', { timeout: LONG }, async () => {
    const token = randomUUID();
    await writeDom0File(vm, BOOT_UNIT, WINDOW_UNIT);
    await dom0(`echo ${token} > /var/lib/xlp/probe-crash && sync`);

    // Killed while up; the next boot is killed in its unit's window; the one after comes up.
    const boot = await reboot('crash restart, then a crash in the boot unit', { crash: true, crashAt: 'xlp-boot-unit: [|] window open', dom0Args: 'xlp.enable=0' });
    expect(boot.shutdown).toBe('crash');
    expect(await readConsole(previous)).not.toContain('dom0-init: poweroff');
    const crashed = boot.crashedBoot;
    if (crashed === undefined) throw new Error('reboot.sh reported no crashed boot');
    timings.push(`a boot killed in its unit ${crashed.afterSeconds} s after QEMU started`);
    expect(crashed.number).toBe(previous.number + 1);
    expect(boot.number).toBe(crashed.number + 1);
    previous = boot;
    const [window] = unitRuns(await readConsole(crashed));
    expect(window?.output).toEqual(['window open']);
    expect(window?.result).toBeUndefined();
    expect(await readConsole(crashed)).not.toContain('XLP-DOM0-READY');

    expect((await dom0('cat /var/lib/xlp/probe-crash')).trim()).toBe(token);
    const [after] = unitRuns(await readConsole(boot));
    expect(after).toMatchObject({ bootId: await bootId(), output: ['the previous boot crashed in the window'], exitCode: 0 });
    // The log file on the disk kept the crashed boot's run, cut off where the crash came.
    const logged = unitRuns(await dom0(`cat ${BOOT_UNIT_LOG}`)).slice(-2);
    expect(logged.map((run) => run.result === undefined)).toEqual([true, false]);

    // The extra arguments reached both boots' kernels.
    expect((await dom0('cat /proc/cmdline')).trim().split(' ')).toContain('xlp.enable=0');
    expect(boot.dom0Cmdline.split(' ')).toContain('xlp.enable=0');
    expect(await readConsole(crashed)).toMatch(/^dom0-init: command line: .* xlp\.enable=0$/m);
  });

  it("completes the boot when the unit's command hangs: its process group killed at TimeoutStartSec", { timeout: LONG }, async () => {
    await writeDom0File(vm, BOOT_UNIT, HANGING_UNIT);
    const boot = await reboot('graceful reboot with a hanging unit (TimeoutStartSec=5s)', {});
    previous = boot;

    const [run] = unitRuns(await readConsole(boot));
    expect(run).toMatchObject({ bootId: await bootId(), timedOut: true, timeoutSeconds: 5, output: ['hanging'] });
    expect(run?.result).toMatch(/^timeout after 5 s/);
    expect(unitRuns(await dom0(`cat ${BOOT_UNIT_LOG}`)).at(-1)).toEqual(run);
    // Nothing of the unit is left running (its shell ignored SIGTERM: SIGKILL came after the grace).
    expect(await dom0('ps -o args')).not.toContain('sleep 600');
    // Extra kernel arguments were for one boot only.
    expect((await dom0('cat /proc/cmdline')).trim().split(' ')).not.toContain('xlp.enable=0');
  });
});

/**
 * Boot control for the real-Xen tier's tests, for a series whose dom0 has a persistent disk (4.20,
 * `vm.disk` set): reboot gracefully or after a crash on the same disk, with extra dom0 kernel arguments
 * for one boot; read each boot's console log; write files into dom0; read what dom0's /init logged of
 * the boot unit it runs (scripts/xen-vm/dom0-init.sh, docs/real-xen.md "The boot VM").
 *
 * A reboot keeps the ssh port and config, so `vm.port` and `vm.sshConfig` stay valid; only the console
 * log changes (one per boot: the BootRecord says which).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO } from '../helpers/cli.js';
import type { XenVm } from './vm.js';
import { bootRecord, parseVmEnv, type BootRecord } from './vm-env.js';

export type { BootRecord } from './vm-env.js';

const SCRIPTS = join(REPO, 'scripts', 'xen-vm');

/** The unit whose ExecStart= lines dom0's /init runs at boot, if it exists (on the persistent disk). */
export const BOOT_UNIT = '/etc/systemd/system/xlp-boot.service';
/** Where /init appends every boot's run of the unit: the same lines as on the console (on the disk). */
export const BOOT_UNIT_LOG = '/var/log/xlp-boot-unit.log';
/** The prefix of those lines on the console and in the log file. */
const UNIT_PREFIX = 'xlp-boot-unit: ';

export interface RebootOptions {
  /** Kill QEMU (SIGKILL) instead of `poweroff` in dom0: what dom0 had not written to the disk is lost. */
  readonly crash?: boolean;
  /**
   * A crash in the middle of the next boot: QEMU is killed as soon as a line of that boot's console
   * matches this extended regular expression (grep -E), e.g. one the boot unit prints after an apply
   * (`xlp-boot-unit: [|] applied`), and started once more. The returned record is the boot after it;
   * `crashedBoot` names the crashed one. Refused (QEMU killed, an error) if dom0 gets ready first.
   */
  readonly crashAt?: string;
  /** More dom0 kernel command-line arguments for the boots this reboot starts (not later ones), e.g. 'xlp.enable=0'. */
  readonly dom0Args?: string;
}

/** Reboots the VM on the same disk (scripts/xen-vm/reboot.sh) and returns once dom0 is ready again. */
export async function rebootVm(vm: XenVm, options: RebootOptions = {}): Promise<BootRecord> {
  if (vm.disk === undefined) throw new Error(`Xen ${vm.series}'s VM has no persistent disk: a reboot would lose nothing and prove nothing`);
  const args = ['--xen', vm.series];
  if (options.crash === true) args.push('--crash');
  if (options.crashAt !== undefined) args.push('--crash-at', options.crashAt);
  if (options.dom0Args !== undefined) args.push('--dom0-args', options.dom0Args);
  const { stdout } = await execa('bash', [join(SCRIPTS, 'reboot.sh'), ...args], { stderr: 'inherit', stdin: 'ignore', timeout: 900_000 });
  return bootRecord(parseVmEnv(stdout));
}

/** One boot's serial console log (a BootRecord's, or a crashed boot's), carriage returns removed. */
export async function readConsole(boot: { readonly console: string }): Promise<string> {
  return (await readFile(boot.console, 'utf8')).replace(/\r/g, '');
}

/** Writes a file in dom0 (through ssh's stdin), e.g. a unit file at BOOT_UNIT. */
export async function writeDom0File(vm: XenVm, path: string, content: string | Uint8Array): Promise<void> {
  await execa('ssh', ['-F', vm.sshConfig, '-p', String(vm.port), 'xlp-xen-vm', `cat > '${path.replace(/'/g, `'\\''`)}'`], { input: content, timeout: 60_000 });
}

/** One run of the boot unit, as /init logged it (console or log file). */
export interface UnitRun {
  /** The `start` line: the unit file, the boot id, uptime and date. */
  readonly start: string;
  /** The boot id the `start` line names (/proc/sys/kernel/random/boot_id of that boot). */
  readonly bootId: string;
  /** The ExecStart= values, in order, as the unit file gives them. */
  readonly execStart: readonly string[];
  /** Settings /init read but does not honour (`not honoured here: ...`). */
  readonly notes: readonly string[];
  /** The timeout it ran under, seconds. */
  readonly timeoutSeconds?: number;
  /** stdout and stderr of the commands, line by line, as they came. */
  readonly output: readonly string[];
  /** The `result:` line, e.g. `exit 0, 1.1 s`; undefined if the boot ended before the unit did. */
  readonly result?: string;
  readonly exitCode?: number;
  readonly timedOut: boolean;
  readonly seconds?: number;
}

/** Every run of the boot unit in a console log or in the log file (BOOT_UNIT_LOG), in order. */
export function unitRuns(text: string): UnitRun[] {
  interface Building {
    start: string;
    bootId: string;
    execStart: string[];
    notes: string[];
    timeoutSeconds?: number;
    output: string[];
    result?: string;
    exitCode?: number;
    timedOut: boolean;
    seconds?: number;
  }
  const runs: Building[] = [];
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    const at = raw.indexOf(UNIT_PREFIX);
    if (at < 0) continue;
    const line = raw.slice(at + UNIT_PREFIX.length);
    if (line.startsWith('start ')) {
      runs.push({ start: line, bootId: /\(boot ([0-9a-f-]+)/.exec(line)?.[1] ?? '', execStart: [], notes: [], output: [], timedOut: false });
      continue;
    }
    const run = runs.at(-1);
    if (run === undefined) continue;
    if (line.startsWith('| ')) run.output.push(line.slice(2));
    else if (line === '|') run.output.push('');
    else if (line.startsWith('ExecStart=')) run.execStart.push(line.slice('ExecStart='.length));
    else if (line.startsWith('not honoured here: ')) run.notes.push(line.slice('not honoured here: '.length));
    else if (line.startsWith('timeout ')) run.timeoutSeconds = Number.parseInt(line.slice('timeout '.length), 10);
    else if (line.startsWith('result: ')) {
      run.result = line.slice('result: '.length);
      const exit = /^exit (\d+)/.exec(run.result);
      if (exit?.[1] !== undefined) run.exitCode = Number(exit[1]);
      run.timedOut = run.result.startsWith('timeout');
      const seconds = /, ([\d.]+) s$/.exec(run.result);
      if (seconds?.[1] !== undefined) run.seconds = Number(seconds[1]);
    }
  }
  return runs;
}

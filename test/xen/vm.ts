/** What the real-Xen tier's global setup hands to the test files, and how they reach the VM. */
import { execa } from 'execa';
import { inject } from 'vitest';
import { isolatedEnv, runXlp, type CliResult } from '../helpers/cli.js';
import { XEN_SERIES, xlInfoField, type XenSeries } from './series.js';
import type { BootRecord } from './vm-env.js';

export interface XenVm {
  /** The Debian Xen series booted, e.g. "4.20": it names every test and failure. */
  readonly series: XenSeries;
  /** xen_version as the running hypervisor's `xl info` reports it, e.g. "4.20.5-pre". */
  readonly xenVersion: string;
  readonly port: number;
  readonly sshConfig: string;
  /** The running hypervisor's build-id, read from the xen binary's GNU build-id note. */
  readonly buildId: string;
  /** The serial console log of the first boot (Xen and dom0 kernel messages); each reboot has its own. */
  readonly console: string;
  /** Payloads built by scripts/xen-vm/build-payloads.sh for this hypervisor. */
  readonly payloadDir: string;
  /**
   * The session's persistent disk image on the host, for a series whose dom0 has one (4.20: Node.js and
   * xlp, /var/lib/xlp, /etc/xlp, the boot unit; scripts/xen-vm/build-disk.sh). Undefined for 4.17.
   */
  readonly disk?: string;
  /** The global setup's boot, the session's first (test/xen/boot-control.ts reboots). */
  readonly firstBoot: BootRecord;
  readonly timings: { readonly prepareSeconds: number; readonly bootSeconds: number };
}

export type XenVmOrSkip = XenVm | { readonly skip: string; readonly series: XenSeries };

declare module 'vitest' {
  export interface ProvidedContext {
    xenVm: XenVmOrSkip;
  }
}

export function xenVm(): XenVmOrSkip {
  // Undefined when a file of this tier is run without its global setup (the default vitest config).
  return inject('xenVm') ?? { skip: 'the real-Xen tier runs only with --config vitest.xen.config.ts', series: XEN_SERIES[0] };
}

export const isSkip = (vm: XenVmOrSkip): vm is { readonly skip: string; readonly series: XenSeries } => 'skip' in vm;

/** "Xen 4.20 (4.20.5-pre)": how test names and failure messages name the hypervisor. */
export const xenLabel = (vm: XenVmOrSkip): string => (isSkip(vm) ? `Xen ${vm.series}` : `Xen ${vm.series} (${vm.xenVersion})`);

/** A shell command in dom0, straight over ssh (no xlp): the tests' independent view of the host. */
export async function inDom0(vm: XenVm, command: string, timeoutMs = 60_000): Promise<CliResult> {
  const result = await execa('ssh', ['-F', vm.sshConfig, '-p', String(vm.port), 'xlp-xen-vm', command], {
    reject: false,
    stripFinalNewline: false,
    stdin: 'ignore',
    timeout: timeoutMs,
  });
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1 };
}

/** One field of `xl info` in dom0, e.g. xen_extra. */
export async function xlInfo(vm: XenVm, field: string): Promise<string> {
  const { stdout, exitCode } = await inDom0(vm, 'xl info');
  if (exitCode !== 0) throw new Error(`xl info failed in dom0 of Xen ${vm.series} (exit ${exitCode})`);
  return xlInfoField(stdout, field);
}


/** Runs the built xlp against the VM over ssh, isolated from this machine's xlp state. */
export function xlpOn(vm: XenVm, home: string, timeoutMs?: number): (args: readonly string[]) => Promise<CliResult> {
  const env = isolatedEnv(home);
  const host = ['--host', `root@127.0.0.1:${vm.port}`, '--ssh-config', vm.sshConfig];
  return (args) => runXlp([...args, ...host], env, timeoutMs);
}

/** Brings the hypervisor back to "nothing loaded" with the raw tool: reverts top-down, then unloads. */
export async function resetHypervisor(vm: XenVm): Promise<void> {
  const script = `set -e
names=$(xen-livepatch list | awk -F'|' 'NR > 2 { gsub(/ /, "", $1); print $1 }')
applied=$(xen-livepatch list | awk -F'|' 'NR > 2 && $2 ~ /APPLIED/ { gsub(/ /, "", $1); print $1 }')
for name in $(echo "$applied" | sed '1!G;h;$!d'); do xen-livepatch revert "$name" >/dev/null; done
for name in $names; do xen-livepatch unload "$name" >/dev/null; done
xen-livepatch list`;
  const result = await inDom0(vm, script);
  if (result.stdout !== 'Nothing to list\n') throw new Error(`cannot reset the hypervisor of Xen ${vm.series}: ${result.stdout}${result.stderr}`);
}

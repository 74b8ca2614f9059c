/**
 * What scripts/xen-vm/boot.sh and reboot.sh print (KEY=VALUE lines), read into one boot's record. No
 * vitest imports here, so the global setup can use it.
 */

/** One boot of the VM in the current session (the persistent disk and the console logs it keeps). */
export interface BootRecord {
  /** 1 for the session's first boot (boot.sh --fresh), then one more per reboot. */
  readonly number: number;
  /** This boot's serial console log: Xen's and dom0's lines, dom0-init's and the boot unit's included. */
  readonly console: string;
  /** QEMU started to dom0 ready (dropbear listening), seconds. */
  readonly bootSeconds: number;
  /** The dom0 kernel command line this boot was given (extra arguments included). */
  readonly dom0Cmdline: string;
  /** How the previous boot ended, for a reboot. */
  readonly shutdown?: 'graceful' | 'crash';
  /** For a reboot: from the poweroff request (or the kill) to QEMU gone, seconds. */
  readonly downSeconds?: number;
  /** For a reboot: from the request to dom0 ready again, seconds. */
  readonly rebootSeconds?: number;
  /** For a reboot with `crashAt`: the boot before this one, killed when its console showed the line. */
  readonly crashedBoot?: { readonly number: number; readonly console: string; readonly afterSeconds: number };
}

export function parseVmEnv(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((line) => line.startsWith('XEN_VM_'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

export function bootRecord(env: Record<string, string>): BootRecord {
  const required = (key: string): string => {
    const value = env[key];
    if (value === undefined) throw new Error(`boot.sh printed no ${key}`);
    return value;
  };
  const shutdown = env.XEN_VM_SHUTDOWN;
  return {
    number: Number(required('XEN_VM_BOOT_NUMBER')),
    console: required('XEN_VM_CONSOLE'),
    bootSeconds: Number(required('XEN_VM_BOOT_SECONDS')),
    dom0Cmdline: required('XEN_VM_DOM0_CMDLINE'),
    ...(shutdown === 'graceful' || shutdown === 'crash' ? { shutdown } : {}),
    ...(env.XEN_VM_DOWN_SECONDS === undefined ? {} : { downSeconds: Number(env.XEN_VM_DOWN_SECONDS) }),
    ...(env.XEN_VM_REBOOT_SECONDS === undefined ? {} : { rebootSeconds: Number(env.XEN_VM_REBOOT_SECONDS) }),
    ...(env.XEN_VM_CRASHED_CONSOLE === undefined
      ? {}
      : {
          crashedBoot: {
            number: Number(env.XEN_VM_CRASHED_BOOT_NUMBER),
            console: env.XEN_VM_CRASHED_CONSOLE,
            afterSeconds: Number(env.XEN_VM_CRASHED_AFTER_SECONDS),
          },
        }),
  };
}

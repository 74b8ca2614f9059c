/**
 * The kill switch: boot applies nothing when the dom0 kernel command line says `xlp.enable=0` (one
 * boot: typed at the boot loader) or when an operator created /etc/xlp/boot-disabled (until it is
 * removed). Both are journaled and shown by `xlp status` (docs/boot.md).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { printable } from '../../model/text.js';
import { SYSTEM_CONFIG_DIR } from '../../paths.js';

export const BOOT_DISABLED_FILE = join(SYSTEM_CONFIG_DIR, 'boot-disabled');
export const CMDLINE_SWITCH = 'xlp.enable=0';

/** The last `xlp.enable=` word wins, as the kernel's own parameters do. */
export function cmdlineDisables(cmdline: string): boolean {
  const words = cmdline.split(/\s+/).filter((w) => w.startsWith('xlp.enable='));
  return words.length > 0 && words[words.length - 1] === CMDLINE_SWITCH;
}

/** Why boot must apply nothing, or undefined when it may. The file's first line, if any, is the operator's reason. */
export async function killSwitch(cmdline: string, disableFile = BOOT_DISABLED_FILE): Promise<string | undefined> {
  if (cmdlineDisables(cmdline)) return `${CMDLINE_SWITCH} on the kernel command line`;
  const text = await readFile(disableFile, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : ''));
  if (text === undefined) return undefined;
  const why = printable(text.split('\n')[0]?.trim() ?? '', 200);
  return `${disableFile} exists${why === '' ? '' : ` (${why})`}`;
}

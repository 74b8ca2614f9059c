/**
 * What boot needs to know of the boot the host is in: its kernel command line (the kill switch
 * `xlp.enable=0`, as kpatch's ConditionKernelCommandLine reads it) and when it started (/proc/stat
 * btime, the crash-loop guard's clock). Read from the host's /proc, or from the simulated host's own
 * proc directory (Places.proc: `xlp sim reset` writes it, a new boot each time).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BootFacts {
  /** /proc/cmdline, without its newline; '' when it could not be read. */
  readonly cmdline: string;
  /** When this boot started (btime), undefined when it could not be read. */
  readonly bootedAt?: Date;
}

/** Bounded reads: these files are a few hundred bytes; anything larger is not what the kernel writes. */
const MAX_PROC_BYTES = 64 * 1024;

async function readSmall(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined || text.length > MAX_PROC_BYTES ? undefined : text;
}

export async function readBootFacts(procDir: string): Promise<BootFacts> {
  const [cmdline, stat] = await Promise.all([readSmall(join(procDir, 'cmdline')), readSmall(join(procDir, 'stat'))]);
  const btime = /^btime (\d{1,12})$/m.exec(stat ?? '')?.[1];
  return { cmdline: (cmdline ?? '').trim(), ...(btime === undefined ? {} : { bootedAt: new Date(Number(btime) * 1000) }) };
}

/** The simulated host's proc files for a fresh boot: `xlp sim reset` writes them. */
export function simulatedBoot(cmdline: string, now = new Date()): { cmdline: string; stat: string } {
  // The next whole second: a real boot starts before anything it runs, so nothing in it predates btime.
  return { cmdline: `${cmdline}\n`, stat: `btime ${Math.ceil(now.getTime() / 1000)}\n` };
}

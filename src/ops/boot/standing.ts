/**
 * Where boot stands on a host, for `xlp status`: the kill switch (read on this machine, so only for
 * a host that is this machine or the simulated one), the crash-loop guard (kept on the host, read
 * through the backend wherever it is) and the last boot's record.
 */
import type { Backend } from '../../host/backend.js';
import type { BootStatus } from '../../model/results.js';
import { readBootFacts } from './facts.js';
import { readGuard } from './guard.js';
import { killSwitch } from './kill-switch.js';

export async function bootStanding(backend: Backend, procDir: string | undefined, lastBoot: BootStatus['lastBoot'], note: (message: string) => void): Promise<BootStatus> {
  const guard = await readGuard(backend, note);
  const switched = procDir === undefined ? undefined : ((await killSwitch((await readBootFacts(procDir)).cmdline)) ?? null);
  const tripped = guard.tripped;
  return {
    ...(switched === undefined ? {} : { killSwitch: switched }),
    guard:
      tripped !== null
        ? { state: 'tripped', payloads: tripped.payloads, reason: tripped.reason, since: tripped.at }
        : { state: guard.applies.length === 0 ? 'clear' : 'armed', payloads: [...new Set(guard.applies.map((a) => a.name))] },
    ...(lastBoot === undefined ? {} : { lastBoot }),
    critical: tripped !== null,
  };
}

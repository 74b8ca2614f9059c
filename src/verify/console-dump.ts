/**
 * Xen's own view of its payloads, from the console dump of the 'x' debug key (`xl debug-keys x`,
 * then `xl dmesg`). `xen-livepatch list` shows no build-ids; this dump is the only place the
 * hypervisor names them. Format (xen/common/livepatch.c, livepatch_printall), each line behind the
 * console's "(XEN) " prefix and an optional "[timestamp] ":
 *
 *   'x' pressed - Dumping all livepatch patches
 *   build-id: <xen hex>
 *    name=<name> state=<STATE>(<n>) <addresses> using <n> functions:|pages.
 *       <func> patch <old>(<size>) with <new> (<size>)
 *   build-id=<hex>
 *   depend-on=<hex>
 *   depend-on-xen=<hex>          (4.14 to 4.18.3 and 4.19.0; 4.18.4, 4.19.1 and 4.20 on check it
 *                                 first thing at upload and drop it: seen on 4.20.5-pre)
 *
 * Payloads come in upload order; the dump does not say in which order they were applied.
 */

export interface ConsolePayload {
  readonly name: string;
  readonly state: string;
  readonly buildId?: string;
  readonly depends?: string;
  readonly xenDepends?: string;
}

export interface ConsoleView {
  readonly xenBuildId?: string;
  readonly payloads: readonly ConsolePayload[];
}

const MARKER = /pressed - Dumping all livepatch patches\s*$/;
const PREFIX = /^\(XEN\) (?:\[[^\]]*\] )?/;

/**
 * The last complete dump in `consoleText`, or undefined when there is none (the ring wrapped, the key
 * is not wired, or Xen's payload lock was busy: "Lock held. Try again.").
 */
export function parseLivepatchDump(consoleText: string): ConsoleView | undefined {
  const lines = consoleText.split('\n').map((line) => line.replace(/\r$/, '').replace(PREFIX, ''));
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (MARKER.test(lines[i] ?? '')) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  let xenBuildId: string | undefined;
  const payloads: { name: string; state: string; buildId?: string; depends?: string; xenDepends?: string }[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^(Lock held|Couldn't reacquire lock)/.test(line)) return undefined;
    let match: RegExpExecArray | null;
    if ((match = /^build-id: ([0-9a-f]+)$/.exec(line)) !== null) xenBuildId = match[1];
    else if ((match = /^ name=(\S+) state=(\S+?)\(-?\d+\) /.exec(line)) !== null) payloads.push({ name: match[1] ?? '', state: match[2] ?? '' });
    else if ((match = /^(build-id|depend-on|depend-on-xen)=([0-9a-f]+)$/.exec(line)) !== null) {
      const current = payloads.at(-1);
      if (current === undefined) continue;
      const field = match[1] === 'build-id' ? 'buildId' : match[1] === 'depend-on' ? 'depends' : 'xenDepends';
      current[field] = match[2];
    }
  }
  return { ...(xenBuildId === undefined ? {} : { xenBuildId }), payloads };
}

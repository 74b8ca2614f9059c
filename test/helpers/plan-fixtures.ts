/**
 * Hand-made planner inputs, for cases stated exactly: payload facts named after a letter, live
 * payloads as xlp or the raw tool left them, manifest entries. No payload file and no host.
 */
import { createHash } from 'node:crypto';
import type { DesiredHypervisor, DesiredPayload, LiveHost, LivePayload, PayloadFacts } from '../../src/model/desired.js';

export const XEN = 'aa'.repeat(20);

const hash = (text: string, length: number): string => createHash('sha256').update(text).digest('hex').slice(0, length);

/** Facts of a build called `build` (e.g. "A", "A2"), stacked on the build-id `on` (default: the hypervisor). */
export const facts = (build: string, on: string = XEN, reappliable = true): PayloadFacts => ({
  sha256: hash(`bytes ${build}`, 64),
  buildId: hash(`id ${build}`, 40),
  depends: on,
  xenDepends: XEN,
  reappliable,
});

/** A chain of builds, each on the one before: chain('A', 'B', 'C'). */
export function chain(...builds: string[]): PayloadFacts[] {
  const out: PayloadFacts[] = [];
  for (const build of builds) out.push(facts(build, out.at(-1)?.buildId ?? XEN));
  return out;
}

type Extra = Partial<Pick<LivePayload, 'rc' | 'reverted' | 'state'>>;

/** Loaded by xlp from bytes with these facts. */
export const applied = (name: string, vouched: PayloadFacts, extra: Extra = {}): LivePayload => ({ name, state: 'APPLIED', rc: 0, vouched, reverted: false, ...extra });
export const checked = (name: string, vouched: PayloadFacts, extra: Extra = {}): LivePayload => ({ name, state: 'CHECKED', rc: 0, vouched, reverted: false, ...extra });
/** Loaded with the raw tool: xlp cannot vouch for its bytes and knows nothing of its history. */
export const byHand = (name: string, state: LivePayload['state'] = 'APPLIED', rc = 0): LivePayload => ({ name, state, rc });

export const host = (payloads: readonly LivePayload[], stack: readonly string[] = payloads.filter((p) => p.state === 'APPLIED' && p.vouched).map((p) => p.name)): LiveHost => ({
  xenBuildId: XEN,
  payloads,
  stack,
});

export const want = (name: string, state: 'applied' | 'uploaded', of: PayloadFacts): DesiredPayload => ({
  name,
  state,
  facts: of,
  file: `/srv/xlp/${name}.livepatch`,
  probes: [],
  position: { file: '/etc/xlp/manifest.toml', line: 1, column: 1 },
});
export const gone = (name: string): DesiredPayload => ({ name, state: 'absent', position: { file: '/etc/xlp/manifest.toml', line: 1, column: 1 } });

export const manifestOf = (...payloads: DesiredPayload[]): DesiredHypervisor => ({ buildId: XEN, payloads, position: { file: '/etc/xlp/manifest.toml', line: 1, column: 1 } });

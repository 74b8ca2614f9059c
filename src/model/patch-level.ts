/**
 * The patch level at a glance (list and status): which payloads are applied, in which order, which
 * one is on top, and the advisories (XSA and CVE) they fix. Xen lists payloads in upload order and
 * never says the apply order: that comes from xlp's record of what it applied. An applied payload
 * xlp did not apply has no known place: it is named, apart, and then the top is unknown unless it is
 * the only one applied.
 */
import type { PayloadStatus } from './types.js';

export interface Advisories {
  readonly xsa: readonly string[];
  readonly cve: readonly string[];
}

export interface PatchLevel {
  /** The applied payloads xlp applied, bottom of the stack first. */
  readonly order: readonly string[];
  /** Applied payloads whose place xlp does not know (applied outside xlp), in the hypervisor's list order. */
  readonly unplaced: readonly string[];
  /** The payload on top of the stack (the last applied); null when nothing is applied or the top is not known. */
  readonly top: string | null;
  /** What the applied payloads' .modinfo says they fix, in stack order, each once. */
  readonly advisories: Advisories;
}

const ADVISORY_KEYS: Record<string, keyof Advisories> = { xsa: 'xsa', xsas: 'xsa', cve: 'cve', cves: 'cve' };

/** The XSA and CVE identifiers of .modinfo strings (keys xsa/cve, any case, values comma or space separated). */
export function advisories(modinfo: readonly string[]): { xsa: string[]; cve: string[] } {
  const found = { xsa: [] as string[], cve: [] as string[] };
  for (const entry of modinfo) {
    const eq = entry.indexOf('=');
    const kind = eq < 0 ? undefined : ADVISORY_KEYS[entry.slice(0, eq).trim().toLowerCase()];
    if (kind === undefined) continue;
    for (const value of entry.slice(eq + 1).split(/[\s,;]+/)) if (value !== '' && !found[kind].includes(value)) found[kind].push(value);
  }
  return found;
}

/**
 * A payload's .modinfo: as the hypervisor lists it (Xen 4.14+), else as xlp recorded it at upload;
 * `recorded` only for payloads whose loaded bytes xlp can vouch for.
 */
export const modinfoOf = (payload: PayloadStatus, recorded: readonly string[] | undefined): readonly string[] =>
  payload.metadata.length > 0 ? payload.metadata : (recorded ?? []);

/**
 * `live`: what the hypervisor lists; `appliedByXlp`: xlp's record of the order it applied payloads in
 * (it may name payloads reverted or unloaded since); `modinfo`: each payload's .modinfo (modinfoOf).
 */
export function patchLevel(live: readonly PayloadStatus[], appliedByXlp: readonly string[], modinfo: (name: string) => readonly string[]): PatchLevel {
  const applied = live.filter((p) => p.state === 'APPLIED').map((p) => p.name);
  const isApplied = new Set(applied);
  const order = [...new Set(appliedByXlp)].filter((name) => isApplied.has(name));
  const unplaced = applied.filter((name) => !order.includes(name));
  const top = unplaced.length === 0 ? (order.at(-1) ?? null) : applied.length === 1 ? (unplaced[0] ?? null) : null;
  return { order, unplaced, top, advisories: advisories([...order, ...unplaced].flatMap(modinfo)) };
}

/**
 * The crash-loop guard. Before xlp applies a payload (at boot or by any command) it arms the guard:
 * a record on the host (boot/guard.json among the files xlp keeps there, 0600) of what it applies
 * and when, written durably before the apply starts. When the host next boots within the window
 * after such an apply (its boot time, /proc/stat btime, falls inside it), the host went down within
 * the window: boot trips the guard and does not re-apply those payloads nor what is above them, and
 * the guard stays tripped (status: critical) until an operator clears it (`xlp boot clear`). Why the
 * boot time decides, and what it cannot see: docs/decisions.md.
 */
import type { Backend } from '../../host/backend.js';
import { validateName } from '../../model/payload-name.js';

export const GUARD_FILE = 'boot/guard.json';
const MAX_GUARD_BYTES = 256 * 1024;
/** Applies kept in the record at most: a window holds a few; a loop must not grow the file. */
const MAX_APPLIES = 64;

export interface GuardApply {
  readonly name: string;
  /** When the apply was about to start (ISO 8601). */
  readonly at: string;
}

export interface GuardTrip {
  /** When boot tripped the guard. */
  readonly at: string;
  /** The boot that came too soon after the applies. */
  readonly bootedAt: string;
  readonly payloads: readonly string[];
  readonly reason: string;
}

export interface GuardRecord {
  readonly version: 1;
  /** Applies not yet judged by a boot, newest last. */
  readonly applies: readonly GuardApply[];
  readonly tripped: GuardTrip | null;
  /** The last time an operator cleared a tripped guard. */
  readonly cleared?: { readonly at: string; readonly payloads: readonly string[] };
}

export const EMPTY_GUARD: GuardRecord = { version: 1, applies: [], tripped: null };

/** The guard as kept on the host; a record xlp cannot read counts as empty, and says so through `note`. */
export async function readGuard(backend: Backend, note: (message: string) => void = () => {}): Promise<GuardRecord> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await backend.readKeptFile(GUARD_FILE, MAX_GUARD_BYTES);
  } catch (error) {
    note(`the crash-loop guard record cannot be used (${error instanceof Error ? error.message : String(error)}): treated as empty`);
    return EMPTY_GUARD;
  }
  if (bytes === undefined) return EMPTY_GUARD;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Partial<GuardRecord>;
    if (value.version === 1 && Array.isArray(value.applies) && value.applies.every(isApply) && (value.tripped === null || isTrip(value.tripped))) return value as GuardRecord;
  } catch {
    // Reported below.
  }
  note(`the crash-loop guard record ${GUARD_FILE} on ${backend.host} is not what xlp writes: treated as empty`);
  return EMPTY_GUARD;
}

const isDate = (value: unknown): boolean => typeof value === 'string' && !Number.isNaN(Date.parse(value));
const isName = (value: unknown): boolean => {
  try {
    validateName(value as string);
    return true;
  } catch {
    return false;
  }
};
const isApply = (value: unknown): boolean => typeof value === 'object' && value !== null && isName((value as GuardApply).name) && isDate((value as GuardApply).at);
function isTrip(value: unknown): boolean {
  const t = value as Partial<GuardTrip>;
  return typeof t === 'object' && t !== null && isDate(t.at) && isDate(t.bootedAt) && Array.isArray(t.payloads) && t.payloads.every(isName) && typeof t.reason === 'string';
}

export const writeGuard = (backend: Backend, record: GuardRecord): Promise<void> => backend.keepFile(GUARD_FILE, new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`));

/** What the session calls before each apply or replace (SessionOptions.guard). */
export interface ApplyGuard {
  arm(name: string): Promise<void>;
}

/** Arms the guard of `backend`'s host before each apply; a trip already recorded is kept. */
export function applyGuard(backend: Backend, clock: () => Date = () => new Date()): ApplyGuard {
  return {
    async arm(name) {
      const record = await readGuard(backend);
      await writeGuard(backend, { ...record, applies: [...record.applies, { name, at: clock().toISOString() }].slice(-MAX_APPLIES) });
    },
  };
}

/**
 * Judges the applies recorded before this boot: those the boot came within the window of trip the
 * guard (the host went down within the window after them). Returns the record as it must now be
 * kept: the applies judged are dropped, a trip is added to (never replaced).
 */
export function judgeAtBoot(record: GuardRecord, bootedAt: Date, windowSeconds: number, now: Date): GuardRecord {
  const boot = bootedAt.getTime();
  const before = record.applies.filter((a) => Date.parse(a.at) < boot);
  const tooSoon = before.filter((a) => boot - Date.parse(a.at) < windowSeconds * 1000);
  const kept = record.applies.filter((a) => !before.includes(a));
  if (tooSoon.length === 0) return { ...record, applies: kept };
  const names = [...new Set([...(record.tripped?.payloads ?? []), ...tooSoon.map((a) => a.name)])];
  const last = tooSoon[tooSoon.length - 1] as GuardApply;
  const seconds = Math.round((boot - Date.parse(last.at)) / 1000);
  const reason = `the host went down within ${windowSeconds} s of applying ${tooSoon.map((a) => a.name).join(', ')} (it booted again ${seconds} s after the last apply, at ${bootedAt.toISOString()})`;
  return { ...record, applies: kept, tripped: { at: now.toISOString(), bootedAt: bootedAt.toISOString(), payloads: names, reason: record.tripped === null ? reason : `${record.tripped.reason}; then ${reason}` } };
}

/** `xlp boot clear`: the operator has looked; the next boot re-applies everything kept. */
export const clearedGuard = (record: GuardRecord, now: Date): GuardRecord => ({ version: 1, applies: [], tripped: null, cleared: { at: now.toISOString(), payloads: record.tripped?.payloads ?? [] } });

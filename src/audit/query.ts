/** Filters for `xlp audit log` and `xlp audit export`: a time window, a payload name, an operation. */
import { usageError } from '../errors.js';
import type { Operation } from '../model/vocabulary.js';

export interface RecordFilter {
  /** Milliseconds since the epoch, inclusive. */
  readonly since?: number;
  /** Milliseconds since the epoch, exclusive. */
  readonly until?: number;
  readonly name?: string;
  readonly operation?: Operation;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** An ISO-8601 date or time ("2026-11-25", "2026-11-25T10:00Z"), or an age such as 90m, 12h, 7d. */
export function parseTime(value: string, flag: string, now = Date.now()): number {
  const age = /^(\d+)([smhdw])$/.exec(value);
  if (age !== null) return now - Number(age[1]) * (UNIT_MS[age[2] as string] as number);
  const time = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw usageError(`--${flag} '${value}' is not a time`, 'give an ISO-8601 date or time (2026-11-25, 2026-11-25T10:00Z) or an age (90m, 12h, 7d)');
  return time;
}

export function matches(filter: RecordFilter, record: { time: string; name?: string; operation?: string }): boolean {
  const time = Date.parse(record.time);
  return (
    (filter.since === undefined || time >= filter.since) &&
    (filter.until === undefined || time < filter.until) &&
    (filter.name === undefined || record.name === filter.name) &&
    (filter.operation === undefined || record.operation === filter.operation)
  );
}

/**
 * The journal as CSV (RFC 4180): one row per record, CRLF line ends, a field quoted when it holds
 * a comma, a quote, CR or LF (quotes doubled). Nested values (argv, states, outputs) are JSON text.
 * Values are written as recorded, never rewritten: spreadsheet users should import, not open.
 */
import type { StoredRecord } from './record.js';

export const CSV_COLUMNS = [
  'seq', 'time', 'type', 'host', 'controller', 'user', 'sudo_user', 'uid', 'pid', 'xlp', 'operation', 'name', 'argv',
  'sha256', 'build_id', 'depends', 'xen_depends', 'signer', 'skipped_checks', 'intent', 'result', 'errno', 'exit_code',
  'error', 'duration_ms', 'state_before', 'state_after', 'state_after_derived', 'outputs', 'lock_taken_over_from', 'resolved',
  'action', 'moved_aside', 'seal_method', 'xen_build_id', 'boot_outcome', 'boot_reason', 'held_back', 'prev', 'hash',
] as const;

export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`;

export function csvRow(record: StoredRecord): string {
  const r = record as StoredRecord & Record<string, unknown>;
  const error = record.type === 'outcome' || record.type === 'boot' ? record.error : undefined;
  const boot = record.type === 'boot' ? record : undefined;
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    seq: r.seq, time: r.time, type: r.type, host: r.host, controller: r.controller, user: r.user, sudo_user: r.sudoUser, uid: r.uid,
    pid: r.pid, xlp: r.xlp, operation: r.operation, name: r.name, argv: r.argv, sha256: r.sha256, build_id: r.buildId,
    depends: r.depends, xen_depends: r.xenDepends, signer: r.signer, skipped_checks: r.skippedChecks, intent: r.intent,
    result: r.result, errno: error?.errno, exit_code: error?.exitCode, error: error?.message, duration_ms: r.durationMs,
    state_before: r.stateBefore, state_after: r.stateAfter ?? r.stateNow, state_after_derived: r.stateAfterDerived, outputs: r.outputs,
    lock_taken_over_from: r.lockTakenOverFrom, resolved: r.resolved, action: r.action, moved_aside: r.movedAside, seal_method: r.method,
    xen_build_id: boot?.xenBuildId, boot_outcome: boot?.outcome, boot_reason: boot?.reason, held_back: boot?.heldBack,
    prev: r.prev, hash: r.hash,
  };
  return `${CSV_COLUMNS.map((column) => csvField(values[column])).join(',')}\r\n`;
}

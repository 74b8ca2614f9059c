/**
 * Optional forwarding of each record to syslog/journald through logger(1), for central collection.
 * A summary line goes out (with the record's hash, which anchors the chain off the host); the local
 * journal stays the full record. Forwarding failures warn and never block a change.
 */
import type { StoredRecord } from './record.js';

export interface SyslogConfig {
  /** facility.level for logger --priority, e.g. authpriv.notice. */
  readonly priority: string;
  readonly warn: (message: string) => void;
}

/** The priorities xlp forwards with; docs/schema/config.schema.json allows the same (test/unit/config-schema.test.ts). */
export const PRIORITY = /^(auth|authpriv|daemon|local[0-7]|user|syslog)\.(emerg|alert|crit|err|warning|notice|info|debug)$/;

/** XLP_AUDIT_SYSLOG: unset/off → no forwarding; on/1 → authpriv.notice; a facility.level → that. */
export function syslogPriority(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value === 'off' || value === '0') return undefined;
  if (value === 'on' || value === '1') return 'authpriv.notice';
  if (!PRIORITY.test(value)) throw new Error(`XLP_AUDIT_SYSLOG must be on, off or a facility.level such as authpriv.notice, not '${value}'`);
  return value;
}

function summarise(record: StoredRecord): string {
  const common = { seq: record.seq, hash: record.hash, type: record.type, host: record.host };
  if (record.type === 'intent') return JSON.stringify({ ...common, op: record.operation, name: record.name, user: record.user, sudoUser: record.sudoUser, sha256: record.sha256 });
  if (record.type === 'outcome') return JSON.stringify({ ...common, op: record.operation, name: record.name, intent: record.intent, result: record.result, errno: record.error?.errno });
  if (record.type === 'boot') return JSON.stringify({ ...common, outcome: record.outcome, reason: record.reason, xenBuildId: record.xenBuildId });
  if (record.type === 'journal') return JSON.stringify({ ...common, action: record.action, user: record.user, sudoUser: record.sudoUser });
  return JSON.stringify({ ...common, lockTakenOverFrom: record.lockTakenOverFrom.pid, resolved: record.resolved.map((r) => `${r.intent}:${r.verdict}`) });
}

export function syslogForwarder(config: SyslogConfig): (record: StoredRecord) => Promise<void> {
  return async (record) => {
    const { execa } = await import('execa');
    const result = await execa('logger', ['--tag', 'xlp-audit', '--priority', config.priority, `--id=${process.pid}`, '--', `xlp-audit ${summarise(record)}`], { reject: false, timeout: 5000 });
    if (result.exitCode !== 0) config.warn(`could not forward audit record ${record.seq} to syslog: ${result.stderr.trim() || result.shortMessage}`);
  };
}

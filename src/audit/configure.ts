/**
 * Builds the CLI's audit sink from its flags and environment: where the journal is, where host
 * locks live, sealing (XLP_AUDIT_SEAL_KEY or XLP_AUDIT_SEAL_SSH_KEY) and syslog (XLP_AUDIT_SYSLOG).
 */
import { resolve } from 'node:path';
import type { Places } from '../paths.js';
import { auditError } from './journal-errors.js';
import { currentActor } from './identity.js';
import type { SealConfig } from './seal.js';
import { createJournalSink } from './sink.js';
import { syslogPriority } from './syslog.js';
import type { AuditSink } from './types.js';

export interface CliSinkOptions {
  /** The journal and the lock directory of this run (src/paths.ts). */
  readonly places: Pick<Places, 'journal' | 'locks'>;
  readonly lockTimeoutSeconds: number;
  readonly xlpVersion: string;
  readonly note: (message: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

export function sealConfigFromEnv(env: NodeJS.ProcessEnv): SealConfig | undefined {
  const hmacKeyFile = env.XLP_AUDIT_SEAL_KEY || undefined;
  const sshKeyFile = env.XLP_AUDIT_SEAL_SSH_KEY || undefined;
  if (hmacKeyFile !== undefined && sshKeyFile !== undefined) {
    throw auditError('audit-config', 'XLP_AUDIT_SEAL_KEY and XLP_AUDIT_SEAL_SSH_KEY are both set', 'seal with one of them');
  }
  if (hmacKeyFile === undefined && sshKeyFile === undefined) return undefined;
  return hmacKeyFile !== undefined ? { hmacKeyFile: resolve(hmacKeyFile) } : { sshKeyFile: resolve(sshKeyFile as string) };
}

export function createCliAuditSink(options: CliSinkOptions): AuditSink {
  const env = options.env ?? process.env;
  let priority: string | undefined;
  try {
    priority = syslogPriority(env.XLP_AUDIT_SYSLOG);
  } catch (error) {
    throw auditError('audit-config', (error as Error).message, 'e.g. XLP_AUDIT_SYSLOG=authpriv.notice');
  }
  return createJournalSink({
    journalPath: options.places.journal,
    lockDir: options.places.locks,
    lockTimeoutMs: options.lockTimeoutSeconds * 1000,
    actor: currentActor(options.xlpVersion, env),
    seal: sealConfigFromEnv(env),
    syslogPriority: priority,
    note: options.note,
  });
}

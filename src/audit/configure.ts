/**
 * Builds the CLI's audit sink from its settings (src/config/: flag > environment > user config >
 * system config): where the journal is, where host locks live, sealing (audit.sealKey /
 * XLP_AUDIT_SEAL_KEY or audit.sealSshKey / XLP_AUDIT_SEAL_SSH_KEY) and syslog (audit.syslog /
 * XLP_AUDIT_SYSLOG).
 */
import type { Settings } from '../config/resolve.js';
import type { Places } from '../paths.js';
import { auditError } from './journal-errors.js';
import { currentActor } from './identity.js';
import type { JournalCommandOptions } from './journal-commands.js';
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
  /** Sealing and syslog forwarding. */
  readonly settings: Settings;
  /** Who runs xlp (SUDO_USER and the like, for the journal). */
  readonly env?: NodeJS.ProcessEnv;
}

/** One seal: two keys set anywhere (even in different places) is a mistake to report, not to settle by precedence. */
export function sealConfigOf(settings: Settings): SealConfig | undefined {
  const hmacKey = settings.get('audit.sealKey');
  const sshKey = settings.get('audit.sealSshKey');
  if (hmacKey !== undefined && sshKey !== undefined) {
    throw auditError('audit-config', `both an HMAC seal key (audit.sealKey, from ${hmacKey.source}) and an ssh seal key (audit.sealSshKey, from ${sshKey.source}) are set`, 'seal with one of them');
  }
  if (hmacKey !== undefined) return { hmacKeyFile: hmacKey.value };
  return sshKey === undefined ? undefined : { sshKeyFile: sshKey.value };
}

function syslogOf(settings: Settings): string | undefined {
  const setting = settings.get('audit.syslog');
  try {
    return syslogPriority(setting?.value);
  } catch (error) {
    throw auditError('audit-config', `${(error as Error).message} (from ${setting?.source})`, 'e.g. XLP_AUDIT_SYSLOG=authpriv.notice');
  }
}

export function createCliAuditSink(options: CliSinkOptions): AuditSink {
  const env = options.env ?? process.env;
  return createJournalSink({ ...journalWriting(options, env), lockDir: options.places.locks, note: options.note });
}

/** For `xlp audit recover-tail` and `xlp audit seal --start`: they write to the journal as changes do. */
export function journalCommandOptions(options: CliSinkOptions & { readonly argv: readonly string[] }): JournalCommandOptions {
  return { ...journalWriting(options, options.env ?? process.env), argv: options.argv, note: options.note };
}

function journalWriting(options: CliSinkOptions, env: NodeJS.ProcessEnv) {
  return {
    journalPath: options.places.journal,
    lockTimeoutMs: options.lockTimeoutSeconds * 1000,
    actor: currentActor(options.xlpVersion, env),
    seal: sealConfigOf(options.settings),
    syslogPriority: syslogOf(options.settings),
  };
}

/** What the journal's own commands (audit recover-tail, audit seal) share: the journal, how long to wait for its lock, who runs them. */
import type { JournalCommandOptions } from '../src/audit/journal-commands.js';
import { auditLogFlag, lockTimeoutFlag } from './host-command.js';

export const journalCommandFlags = { ...auditLogFlag, ...lockTimeoutFlag };

export async function journalCommandOptions(flags: { 'audit-log'?: string; 'lock-timeout': number }, xlpVersion: string): Promise<JournalCommandOptions> {
  const { journalCommandOptions: fromEnv } = await import('../src/audit/configure.js');
  return fromEnv({ auditLog: flags['audit-log'], lockTimeoutSeconds: flags['lock-timeout'], xlpVersion, argv: process.argv.slice(2), note: (message) => process.stderr.write(`xlp: ${message}\n`) });
}

/** What the journal's own commands (audit recover-tail, audit seal) share: the journal, how long to wait for its lock, who runs them. */
import type { JournalCommandOptions } from '../src/audit/journal-commands.js';
import { escapeText } from '../src/model/text.js';
import { placesFor } from '../src/paths.js';
import { lockTimeoutFlag } from './host-command.js';
import { journalFlags } from './journal-flags.js';

export const journalCommandFlags = { ...journalFlags, ...lockTimeoutFlag };

export async function journalCommandOptions(
  flags: { backend: string; 'sim-state'?: string; 'audit-log'?: string; 'lock-timeout': number },
  xlpVersion: string,
): Promise<JournalCommandOptions> {
  const { journalCommandOptions: fromEnv } = await import('../src/audit/configure.js');
  const places = placesFor({ sim: flags.backend === 'sim', simState: flags['sim-state'], auditLog: flags['audit-log'] });
  return fromEnv({ places, lockTimeoutSeconds: flags['lock-timeout'], xlpVersion, argv: process.argv.slice(2), note: (message) => process.stderr.write(`xlp: ${escapeText(message)}\n`) });
}

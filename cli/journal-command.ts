/** What the journal's own commands (audit recover-tail, audit seal) share: the journal, how long to wait for its lock, who runs them. */
import type { JournalCommandOptions } from '../src/audit/journal-commands.js';
import type { Settings } from '../src/config/resolve.js';
import { escapeText } from '../src/model/text.js';
import { lockTimeoutFlag } from './host-command.js';
import { journalFlags } from './journal-flags.js';
import { placesOf } from './places.js';

export const journalCommandFlags = { ...journalFlags, ...lockTimeoutFlag };

export async function journalCommandOptions(settings: Settings, flags: { 'sim-state'?: string }, xlpVersion: string): Promise<JournalCommandOptions> {
  const { journalCommandOptions: fromSettings } = await import('../src/audit/configure.js');
  return fromSettings({
    places: placesOf(settings, flags),
    settings,
    lockTimeoutSeconds: settings.get('host.lockTimeout').value,
    xlpVersion,
    argv: process.argv.slice(2),
    note: (message) => process.stderr.write(`xlp: ${escapeText(message)}\n`),
  });
}

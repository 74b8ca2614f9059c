import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../../cli/base-command.js';
import { EXIT_CODES_HELP } from '../../cli/exit-codes.js';
import { journalCommandFlags, journalCommandOptions } from '../../cli/journal-command.js';
import type { StoredRecord } from '../../src/audit/record.js';

export default class AuditSeal extends BaseCommand {
  static override summary = 'Start sealing a journal that already has records, and journal that sealing starts there.';
  static override description = `A sealing xlp (XLP_AUDIT_SEAL_KEY or XLP_AUDIT_SEAL_SSH_KEY) seals a new journal from its first record, but refuses to write a first seal over a journal that already has records: a deleted seal with a cut tail would look the same. To turn sealing on for such a journal, review it, then run this with the sealing key set: it proves the whole chain, appends a 'journal' record (action start-seal) and seals it. Refused when the journal is already sealed.

${EXIT_CODES_HELP}`;
  static override examples = ['XLP_AUDIT_SEAL_KEY=/etc/xlp/audit.key <%= config.bin %> <%= command.id %> --start'];
  static override flags = {
    ...journalCommandFlags,
    start: Flags.boolean({ required: true, summary: 'Start sealing here, over the records the journal has (required: the command does nothing else).' }),
  };

  async run(): Promise<StoredRecord> {
    const { flags } = await this.parse(AuditSeal);
    const { startSeal } = await import('../../src/audit/journal-commands.js');
    const options = await journalCommandOptions(this.settings(flags), flags, this.config.version);
    const record = await startSeal(options);
    this.log(`Sealing (${record.method}) starts at journal record ${record.seq}, over the ${record.seq - 1} records before it.`);
    return record;
  }
}

import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../../cli/base-command.js';
import { EXIT_CODES_HELP } from '../../cli/exit-codes.js';
import { journalFlags, journalOf } from '../../cli/journal-flags.js';
import type { VerifyResult } from '../../src/audit/verify.js';
import { ExitCode } from '../../src/errors.js';

export default class AuditVerify extends BaseCommand {
  static override summary = 'Prove the audit journal: every record, the hash chain, and the seal of its head.';
  static override description = `Streams the journal and checks each record's hash over its canonical form, its sequence number and its link to the record before; the first broken record is named with its line number and what is wrong. When the journal is sealed, the seal must name the last record (so a truncated tail is caught); with --seal-key or --allowed-signers its HMAC or ssh signature is checked too. Exits 9 when anything fails.

${EXIT_CODES_HELP}`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --seal-key /etc/xlp/audit.key',
    '<%= config.bin %> <%= command.id %> --audit-log ./copy-of-audit.jsonl --allowed-signers ./allowed_signers --json',
  ];
  static override flags = {
    ...journalFlags,
    'seal-key': Flags.string({ env: 'XLP_AUDIT_SEAL_KEY', summary: 'HMAC key file the journal is sealed with; the seal must then be present and valid.' }),
    'allowed-signers': Flags.string({ env: 'XLP_AUDIT_ALLOWED_SIGNERS', summary: 'ssh allowed_signers file trusted for an ssh-signed seal (namespace xlp-audit).' }),
  };

  async run(): Promise<VerifyResult> {
    const { flags } = await this.parse(AuditVerify);
    const [{ verifyJournal }, { renderVerify }] = await Promise.all([import('../../src/audit/verify.js'), import('../../src/ui/audit-render.js')]);
    const settings = this.settings(flags);
    const result = await verifyJournal(journalOf(settings, flags), { hmacKeyFile: settings.get('audit.sealKey')?.value, allowedSigners: flags['allowed-signers'] });
    this.log(renderVerify(result));
    if (!result.ok) process.exitCode = ExitCode.AUDIT;
    return result;
  }
}

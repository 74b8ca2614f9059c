import { BaseCommand } from '../../cli/base-command.js';
import { EXIT_CODES_HELP } from '../../cli/exit-codes.js';
import { journalCommandFlags, journalCommandOptions } from '../../cli/journal-command.js';
import type { StoredRecord } from '../../src/audit/record.js';

export default class AuditRecoverTail extends BaseCommand {
  static override summary = 'Move an unexplained tail of the journal aside, after inspecting it, and journal that you did.';
  static override description = `A journal whose end holds bytes no xlp can explain (an incomplete line, or on a sealed journal a record its seal does not name, with no writer known to have died there) is refused by every change, and 'xlp audit verify' and 'xlp status' report it. After looking at those bytes, run this: it refuses unless the tail is really unexplained and every record before it is proven, copies the bytes into a private file beside the journal (audit.jsonl.tail-after-N.TIME; they are never deleted), cuts the journal back to its last proven record, and appends a 'journal' record naming the file, the offset, the length and the SHA-256 of what was moved. On a sealed journal it needs the sealing key (XLP_AUDIT_SEAL_KEY or XLP_AUDIT_SEAL_SSH_KEY), and seals its record.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> audit verify', '<%= config.bin %> <%= command.id %>'];
  static override flags = journalCommandFlags;

  async run(): Promise<StoredRecord> {
    const { flags } = await this.parse(AuditRecoverTail);
    const { recoverTail } = await import('../../src/audit/journal-commands.js');
    const options = await journalCommandOptions(this.settings(flags), flags, this.config.version);
    const record = await recoverTail(options);
    const moved = record.movedAside;
    this.log(`Moved ${moved.bytes} bytes (from byte ${moved.offset}, sha256 ${moved.sha256}) into ${moved.file} beside the journal; journal record ${record.seq} says so.`);
    return record;
  }
}

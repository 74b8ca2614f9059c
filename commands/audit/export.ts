import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../../cli/base-command.js';
import { EXIT_CODES_HELP } from '../../cli/exit-codes.js';
import { journalFlags, journalOf } from '../../cli/journal-flags.js';
import { auditError } from '../../src/audit/journal-errors.js';
import { journalRef, type JournalRef } from '../../src/audit/journal-reader.js';
import { matches } from '../../src/audit/query.js';
import type { StoredRecord } from '../../src/audit/record.js';
import { ExitCode } from '../../src/errors.js';
import { filterFlags, recordFilter } from './log.js';

/** `audit export --json`: the selected records in one document, like every other command's --json. */
export interface AuditExportResult {
  /** The journal: its file, the records proven, the first broken record (journal.problem). */
  readonly journal: JournalRef;
  readonly records: readonly StoredRecord[];
}

export default class AuditExport extends BaseCommand {
  static override summary = 'Write the proven journal records to stdout as JSON lines or CSV.';
  static override description = `jsonl: each record exactly as stored (hash chain included, so a copy can be verified again). csv: one row per record (RFC 4180 quoting, CRLF line ends; nested values as JSON text). --json instead prints one JSON document holding the records, as every command's --json does (not with --format). Filters select records by time, payload name and operation. Export stops at a broken record and exits 9.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> --format csv > audit.csv', '<%= config.bin %> <%= command.id %> --format jsonl --since 2026-11-01', '<%= config.bin %> <%= command.id %> --op apply --json'];
  static override flags = {
    ...journalFlags,
    ...filterFlags,
    format: Flags.option({ options: ['jsonl', 'csv'] as const, default: 'jsonl' as const, summary: 'Output format: JSON lines or CSV.', exclusive: ['json'] })(),
  };

  async run(): Promise<AuditExportResult | undefined> {
    const { flags } = await this.parse(AuditExport);
    const filter = recordFilter(flags);
    const [{ scanJournal, scanTrouble }, { csvHeader, csvRow }] = await Promise.all([import('../../src/audit/journal-reader.js'), import('../../src/audit/csv.js')]);
    const path = journalOf(this.settings(flags), flags);
    const json = this.jsonEnabled();
    const records: StoredRecord[] = [];
    const out: string[] = flags.format === 'csv' ? [csvHeader()] : [];
    const scan = await scanJournal(path, (record, raw) => {
      if (!matches(filter, record as { time: string; name?: string; operation?: string })) return;
      if (json) records.push(record);
      else out.push(flags.format === 'csv' ? csvRow(record) : `${raw.toString('utf8')}\n`);
    });
    if (!scan.exists) throw auditError('audit-missing', `there is no audit journal at ${path}`, 'check --audit-log / XLP_AUDIT_LOG');
    const trouble = scanTrouble(scan);
    if (json) {
      // As audit log does: the proven records, what broke, and exit 9.
      if (trouble !== undefined) {
        process.stderr.write(`xlp: error: ${trouble}; the export stops before it\n`);
        process.exitCode = ExitCode.AUDIT;
      }
      return { journal: journalRef(scan), records };
    }
    await new Promise<void>((resolve, reject) => process.stdout.write(out.join(''), (error) => (error ? reject(error) : resolve())));
    if (trouble !== undefined) throw auditError('audit-broken', `${trouble}; the export stops before it`, "run 'xlp audit verify'");
    return undefined;
  }
}

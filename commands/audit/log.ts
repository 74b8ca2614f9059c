import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../../cli/base-command.js';
import { EXIT_CODES_HELP } from '../../cli/exit-codes.js';
import { journalFlags, journalOf } from '../../cli/journal-flags.js';
import type { Change } from '../../src/audit/history.js';
import { journalRef, type JournalRef } from '../../src/audit/journal-reader.js';
import type { JournalRecord } from '../../src/audit/record.js';
import { matches, parseTime, type RecordFilter } from '../../src/audit/query.js';
import { OPERATIONS } from '../../src/model/vocabulary.js';
import { ExitCode } from '../../src/errors.js';

/** The filters log and export share. */
export const filterFlags = {
  since: Flags.string({ summary: 'Only from this time on: ISO-8601 date or time, or an age (90m, 12h, 7d).' }),
  until: Flags.string({ summary: 'Only before this time: ISO-8601 date or time, or an age.' }),
  name: Flags.string({ summary: 'Only changes of this payload.' }),
  op: Flags.option({ options: OPERATIONS, summary: 'Only this operation.' })(),
};

export function recordFilter(flags: { since?: string; until?: string; name?: string; op?: RecordFilter['operation'] }): RecordFilter {
  return {
    ...(flags.since === undefined ? {} : { since: parseTime(flags.since, 'since') }),
    ...(flags.until === undefined ? {} : { until: parseTime(flags.until, 'until') }),
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.op === undefined ? {} : { operation: flags.op }),
  };
}

export interface AuditLogResult {
  /** The journal: its file, the records proven, the first broken record (journal.problem). */
  readonly journal: JournalRef;
  readonly changes: readonly Change[];
  /** Changes of the journal itself (recover-tail, seal --start); left out by --name and --op. */
  readonly journalChanges: readonly JournalRecord[];
}

export default class AuditLog extends BaseCommand {
  static override summary = 'Show the recorded changes: who changed what, when, from which bytes, and how it ended.';
  static override description = `One row per change (an intent joined with its outcome, or with the recovery that resolved it when its run was killed). Only records of a proven chain are shown; a broken chain is reported and exits 9.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> --since 7d', '<%= config.bin %> <%= command.id %> --name xsa-466 --op apply --json'];
  static override flags = { ...journalFlags, ...filterFlags };

  async run(): Promise<AuditLogResult> {
    const { flags } = await this.parse(AuditLog);
    const filter = recordFilter(flags);
    const [{ readHistory }, { renderChanges, renderJournalChanges }, { scanTrouble }] = await Promise.all([
      import('../../src/audit/history.js'),
      import('../../src/ui/audit-render.js'),
      import('../../src/audit/journal-reader.js'),
    ]);
    const path = journalOf(this.settings(flags), flags);
    const history = await readHistory(path);
    const changes = history.changes.filter((change) => matches(filter, change));
    const journal = history.journal.filter((record) => matches(filter, record));
    this.log(renderChanges(changes));
    if (journal.length > 0) this.log(`\n${renderJournalChanges(journal)}`);
    const trouble = scanTrouble(history.scan);
    if (trouble !== undefined) {
      process.stderr.write(`xlp: error: ${trouble}; only the records before it are shown\n`);
      process.exitCode = ExitCode.AUDIT;
    }
    return { journal: journalRef(history.scan), changes, journalChanges: journal };
  }
}

import { EXIT_CODES_HELP } from '../../cli/exit-codes.js';
import { HostCommand, auditLogFlag, hostFlags, lockTimeoutFlag } from '../../cli/host-command.js';
import type { BootResult } from '../../src/model/results.js';
import { bootEvent } from '../../src/ops/boot/boot.js';
import { clearedGuard, readGuard, writeGuard } from '../../src/ops/boot/guard.js';
import { escapeText } from '../../src/model/text.js';

export default class BootClear extends HostCommand {
  static override summary = 'Clear a tripped crash-loop guard: the next boot re-applies every kept payload again.';
  static override description = `After the host went down soon after xlp applied a payload, boot holds that payload (and what is above it) back and xlp status reports it as critical until an operator, having looked at why, clears it here. Journaled. Run xlp boot (or reboot) afterwards to re-apply. See docs/boot.md.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %>'];
  static override flags = { ...hostFlags, ...auditLogFlag, ...lockTimeoutFlag };

  async run(): Promise<{ host: string; cleared: readonly string[] }> {
    const { flags } = await this.parse(BootClear);
    const journal = await this.journal(flags);
    // Under the host lock: never between a boot's judgement and its applies.
    const { host, cleared } = await this.withSession({ ...flags, 'dry-run': false }, async (session) => {
      const record = await readGuard(session.backend, (message) => this.notice(message));
      await writeGuard(session.backend, clearedGuard(record, new Date()));
      return { host: session.backend.host, cleared: record.tripped?.payloads ?? [] };
    });
    const result: Pick<BootResult, 'host' | 'xenBuildId' | 'outcome' | 'reason'> = {
      host,
      xenBuildId: '',
      outcome: 'guard-cleared',
      reason: cleared.length === 0 ? 'the crash-loop guard was not tripped; its record was reset' : `the crash-loop guard was cleared by an operator: the next boot applies ${cleared.join(', ')} again`,
    };
    await journal.boot(bootEvent(process.argv.slice(2), result));
    this.log(escapeText(result.reason));
    return { host, cleared };
  }
}

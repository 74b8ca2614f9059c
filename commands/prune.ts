import * as Flags from '@oclif/core/flags';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { changeFlags, HostCommand, hostFlags } from '../cli/host-command.js';
import type { PruneResult } from '../src/model/results.js';
import { prunePayloads } from '../src/ops/prune.js';
import { renderPrune } from '../src/ui/render.js';

export default class Prune extends HostCommand {
  static override summary = 'Unload the CHECKED payloads nothing applies any more (after a replace, or a revert for good).';
  static override description = `Every CHECKED payload is unloaded, one journaled change each, except those named with --keep and those with an action in flight; applied payloads are never touched. The first failure stops the prune. With --dry-run, shows what would be unloaded.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> --dry-run', '<%= config.bin %> <%= command.id %> --keep xsa-466'];
  static override flags = {
    ...hostFlags,
    ...changeFlags,
    keep: Flags.string({ multiple: true, default: [], summary: 'Leave this CHECKED payload loaded (repeatable).' }),
  };

  async run(): Promise<PruneResult> {
    const { flags } = await this.parse(Prune);
    const result = await this.withSession(flags, (session) => prunePayloads(session, { keep: flags.keep }));
    this.log(renderPrune(result));
    return result;
  }
}

import { ActionCommand } from '../cli/action-command.js';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { changeFlags, hostFlags } from '../cli/host-command.js';
import { actionCheckFlags } from '../cli/verify-flags.js';

export default class Replace extends ActionCommand {
  static override action = 'replace' as const;
  static override summary = 'Apply a payload and revert all others at once (cumulative payloads).';
  static override description = `Every applied payload is reverted (they stay loaded as CHECKED) and this one applied, in one step. Its .livepatch.depends must be the hypervisor's own build-id.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> xsa-cumulative-3'];
  static override flags = { ...hostFlags, ...changeFlags, ...actionCheckFlags };
}

import { ActionCommand } from '../cli/action-command.js';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';

export default class Unload extends ActionCommand {
  static override action = 'unload' as const;
  static override summary = 'Remove a CHECKED (not applied) payload from the hypervisor.';
  static override description = `Revert the payload first if it is applied (exit 6 otherwise).

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> xsa-466'];
}

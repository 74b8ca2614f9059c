import { ActionCommand } from '../cli/action-command.js';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';

export default class Revert extends ActionCommand {
  static override action = 'revert' as const;
  static override summary = 'Revert an applied payload; it stays loaded as CHECKED.';
  static override description = `Applied payloads form a stack: only the most recently applied one can be reverted (exit 6 otherwise). Reverting a CHECKED payload does nothing and exits 0.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> xsa-466'];
}

import * as Flags from '@oclif/core/flags';
import { ActionCommand } from '../cli/action-command.js';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { changeFlags, hostFlags } from '../cli/host-command.js';
import { actionCheckFlags } from '../cli/verify-flags.js';

export default class Apply extends ActionCommand {
  static override action = 'apply' as const;
  static override summary = 'Apply an uploaded payload to the running hypervisor.';
  static override description = `The payload must be CHECKED (uploaded). Its .livepatch.depends build-id must match the hypervisor's when nothing is applied, or the top applied payload's otherwise; --nodeps skips that inter-payload check (Xen 4.14+). Applying an applied payload does nothing and exits 0. If the hypervisor is still busy, xlp polls until --timeout.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> xsa-466', '<%= config.bin %> <%= command.id %> xsa-466 --nodeps --json'];
  static override flags = {
    ...hostFlags,
    ...changeFlags,
    nodeps: Flags.boolean({ summary: 'Skip the inter-payload build-id dependency check (Xen 4.14+).' }),
    ...actionCheckFlags,
  };
}

import * as Flags from '@oclif/core/flags';
import { fileArg } from '../cli/args.js';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { changeFlags, HostCommand, hostFlags } from '../cli/host-command.js';
import { integrityFlags, verifyOptions } from '../cli/verify-flags.js';
import type { OperationResult } from '../src/model/results.js';
import { loadPayload } from '../src/ops/operations.js';
import { renderOperation } from '../src/ui/render.js';

export default class Load extends HostCommand {
  static override summary = 'Upload a payload and apply it; undo the upload if the apply fails.';
  static override description = `Stages: verify the file, upload it, apply it (followed to its confirmed end). The name defaults to the file's basename without its last extension, as xen-livepatch load does. When the apply fails, xlp unloads what this run uploaded and says so. A payload already uploaded under the name with these very bytes is only applied ("applied (it was already uploaded)", exit 0), one already applied is left as it is (exit 0); different bytes under the name are refused (exit 4).

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> ./xsa-466.livepatch', '<%= config.bin %> <%= command.id %> ./build/out.livepatch --name xsa-466 --json'];
  static override args = { file: fileArg };
  static override flags = {
    ...hostFlags,
    ...changeFlags,
    name: Flags.string({ summary: "Payload name (default: the file's basename without its extension)." }),
    nodeps: Flags.boolean({ summary: 'Skip the inter-payload build-id dependency check (Xen 4.14+).' }),
    ...integrityFlags,
  };

  async run(): Promise<OperationResult> {
    const { args, flags } = await this.parse(Load);
    const result = await this.withSession(flags, (session) => loadPayload(session, { file: args.file, name: flags.name, nodeps: flags.nodeps, verify: verifyOptions(flags, this.signaturePolicy(flags)) }));
    this.log(renderOperation(result));
    return result;
  }
}

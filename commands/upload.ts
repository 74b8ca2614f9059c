import { fileArg, nameArg } from '../cli/args.js';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { changeFlags, HostCommand, hostFlags } from '../cli/host-command.js';
import { integrityFlags, verifyOptions } from '../cli/verify-flags.js';
import type { OperationResult } from '../src/model/results.js';
import { uploadPayload } from '../src/ops/operations.js';
import { renderOperation } from '../src/ui/render.js';

export default class Upload extends HostCommand {
  static override summary = 'Upload a payload file under a name; it is checked by Xen but not applied.';
  static override description = `xlp reads the file once, checks it, and uploads a private copy of exactly the bytes it checked.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> xsa-466 ./xsa-466.livepatch'];
  static override args = { name: nameArg, file: fileArg };
  static override flags = { ...hostFlags, ...changeFlags, ...integrityFlags };

  async run(): Promise<OperationResult> {
    const { args, flags } = await this.parse(Upload);
    const result = await this.withSession(flags, (session) => uploadPayload(session, { name: args.name, file: args.file, verify: verifyOptions(flags, this.signaturePolicy(flags)) }));
    this.log(renderOperation(result));
    return result;
  }
}

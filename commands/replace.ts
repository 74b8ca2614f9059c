import { stat } from 'node:fs/promises';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { changeFlags, HostCommand, hostFlags } from '../cli/host-command.js';
import { actionCheckFlags, integrityFlags, verifyOptions } from '../cli/verify-flags.js';
import { usageError } from '../src/errors.js';
import type { OperationResult } from '../src/model/results.js';
import { printable } from '../src/model/text.js';
import { changePayload, replaceWithFile } from '../src/ops/operations.js';
import { renderOperation } from '../src/ui/render.js';

export default class Replace extends HostCommand {
  static override summary = 'Apply a payload and revert all others at once (cumulative payloads); from a file, upload it first.';
  static override description = `Every applied payload is reverted (they stay loaded as CHECKED) and this one applied, in one step. Its .livepatch.depends must be the hypervisor's own build-id.

Given a file (an argument that names an existing file), xlp verifies it, uploads it and replaces with it; if the replace fails, the upload is undone. Given a name, the payload must already be uploaded. Afterwards, \`xlp prune\` unloads the payloads the replace left CHECKED.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> ./xsa-cumulative-3.livepatch', '<%= config.bin %> <%= command.id %> xsa-cumulative-3 --dry-run'];
  static override args = {
    target: Args.string({ required: true, description: 'Payload file to verify, upload and replace with; or the name of an uploaded payload.' }),
  };
  static override flags = {
    ...hostFlags,
    ...changeFlags,
    ...actionCheckFlags,
    ...integrityFlags,
    name: Flags.string({ summary: "Payload name when replacing from a file (default: the file's basename without its extension)." }),
  };

  async run(): Promise<OperationResult> {
    const { args, flags } = await this.parse(Replace);
    const isFile = await stat(args.target).then(
      (info) => info.isFile(),
      () => false,
    );
    const fileOnly = (['name', 'sha256', 'signature'] as const).find((flag) => flags[flag] !== undefined);
    if (!isFile && fileOnly !== undefined) {
      throw usageError(`--${fileOnly} applies only when replacing from a file, and there is no file ${JSON.stringify(printable(args.target))}`, 'give the path of the payload file, or drop the flag');
    }
    const policy = this.signaturePolicy(flags);
    const result = await this.withSession(flags, (session) =>
      isFile
        ? replaceWithFile(session, { file: args.target, name: flags.name, verify: verifyOptions(flags, policy) })
        : changePayload(session, 'replace', { name: args.target, skipPreflight: flags['skip-preflight'], acceptUnverified: flags['accept-unverified'], policy }),
    );
    this.log(renderOperation(result));
    return result;
  }
}

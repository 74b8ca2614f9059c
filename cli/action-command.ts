/** apply, revert, unload and replace differ only in the action and their help text. */
import { changePayload } from '../src/ops/operations.js';
import type { OperationResult } from '../src/model/results.js';
import type { Action } from '../src/model/vocabulary.js';
import { renderOperation } from '../src/ui/render.js';
import { nameArg } from './args.js';
import { changeFlags, HostCommand, hostFlags } from './host-command.js';

export abstract class ActionCommand extends HostCommand {
  static action: Action;
  static override args = { name: nameArg };
  static override flags = { ...hostFlags, ...changeFlags };

  async run(): Promise<OperationResult> {
    const ctor = this.constructor as typeof ActionCommand;
    // oclif spreads the class it is given, which keeps only its own statics: name the inherited ones.
    const { args, flags } = await this.parse({ ...ctor, args: ctor.args, flags: ctor.flags, baseFlags: ctor.baseFlags, enableJsonFlag: ctor.enableJsonFlag });
    const options = flags as { nodeps?: boolean; 'skip-preflight'?: boolean; 'accept-unverified'?: boolean };
    const result = await this.withSession(flags, (session) =>
      changePayload(session, ctor.action, {
        name: args.name,
        nodeps: options.nodeps === true,
        skipPreflight: options['skip-preflight'] === true,
        acceptUnverified: options['accept-unverified'] === true,
        // Only apply and replace bring code into the hypervisor.
        ...(ctor.action === 'apply' || ctor.action === 'replace' ? { policy: this.signaturePolicy(flags) } : {}),
      }),
    );
    this.log(renderOperation(result));
    return result;
  }
}

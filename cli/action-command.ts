/** apply, revert, unload and replace differ only in the action and their help text. */
import type { ActionName } from '../src/host/backend.js';
import { changePayload } from '../src/ops/change.js';
import type { OperationResult } from '../src/ops/result.js';
import { renderOperation } from '../src/ui/render.js';
import { nameArg } from './args.js';
import { HostCommand, hostFlags, timeoutFlag } from './host-command.js';

export abstract class ActionCommand extends HostCommand {
  static action: ActionName;
  static override args = { name: nameArg };
  static override flags = { ...hostFlags, ...timeoutFlag };

  async run(): Promise<OperationResult> {
    const ctor = this.constructor as typeof ActionCommand;
    // oclif spreads the class it is given, which keeps only its own statics: name the inherited ones.
    const { args, flags } = await this.parse({ ...ctor, args: ctor.args, flags: ctor.flags, baseFlags: ctor.baseFlags, enableJsonFlag: ctor.enableJsonFlag });
    const ctx = await this.operationContext(flags);
    const nodeps = (flags as { nodeps?: boolean }).nodeps === true;
    const skipPreflight = (flags as { 'skip-preflight'?: boolean })['skip-preflight'] === true;
    const result = await changePayload(ctx, ctor.action, { name: args.name, nodeps, skipPreflight });
    this.log(renderOperation(result));
    return result;
  }
}

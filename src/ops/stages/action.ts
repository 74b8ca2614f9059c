/**
 * Action: one xen-livepatch apply, revert, unload or replace, followed to its confirmed end
 * (perform.ts). A failure on a payload with pre-action hooks is explained as the hook's veto.
 */
import { ExitCode, XlpError, isXlpError } from '../../errors.js';
import type { ActionOptions } from '../../host/backend.js';
import { describeErrno } from '../../model/errno.js';
import type { Action } from '../../model/vocabulary.js';
import type { HookKind } from '../../payload/types.js';
import type { ChangeStage, Step } from '../step.js';
import { performAction, type Performed } from './perform.js';
import { predictAction } from './predict.js';

const VERBS: Record<Action, string> = { apply: 'Apply', revert: 'Revert', unload: 'Unload', replace: 'Replace every applied payload with' };
/** The hook Xen runs inside the action's hypercall, whose non-zero return it hands back as the action's errno. */
const VETOING_HOOK: Partial<Record<Action, HookKind>> = { apply: 'preapply', revert: 'prerevert' };

export function actionStage(step: Step, action: Action, options: ActionOptions, title = VERBS[action]): ChangeStage<Performed> {
  const { backend, timeoutMs, records } = step.session.options;
  return {
    title: `${title} ${step.name}`,
    effect: action,
    changedHost: (performed) => performed.outcome === 'done',
    rehearse: async (listed, report) => ({
      value: await predictAction(step, action, listed, report),
      command: backend.commandFor({ command: action, name: step.name, options }),
    }),
    run: async () => {
      try {
        const performed = await performAction(backend, timeoutMs, action, step.name, options, step.outputs);
        if (performed.listed !== undefined) step.observe(performed.listed);
        return performed;
      } catch (error) {
        const hook = VETOING_HOOK[action];
        if (!isXlpError(error) || error.errno === undefined || hook === undefined) throw error;
        const hooks = (await records.read().catch(() => undefined))?.payloads[step.name]?.hooks ?? [];
        if (!hooks.includes(hook)) throw error;
        throw new XlpError('hook-veto', ExitCode.REJECTED, `the ${hook} hook of ${step.name} refused the ${action}: ${describeErrno(error.errno)}`, {
          hint: `the payload's own hook vetoed it; the hypervisor console says why: run 'xl dmesg | grep livepatch'`,
          errno: error.errno,
          detail: error.detail,
        });
      }
    },
  };
}

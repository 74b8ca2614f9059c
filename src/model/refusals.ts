/**
 * The refusals a change can meet because of a payload's state, in one place for the real run (the
 * backend recognising the tool's answer) and the dry run (predicting it from the list): a dry run
 * refuses with the code, the exit code and the words the real run would.
 */
import { ExitCode, XlpError } from '../errors.js';
import { Errno } from './errno.js';
import type { XlpErrorOptions } from '../errors.js';
import type { PayloadStatus } from './types.js';
import type { Action } from './vocabulary.js';

/** The tool's output, when a run of it was refused. */
type Detail = { readonly detail?: XlpErrorOptions['detail'] };

export const STATE_HINTS: Readonly<Record<Action, string>> = {
  apply: 'only a CHECKED payload can be applied: see `xlp list`',
  replace: 'only a CHECKED payload can replace the applied ones: see `xlp list`',
  revert: 'only an APPLIED payload can be reverted: see `xlp list`',
  unload: 'an APPLIED payload cannot be unloaded: revert it first',
};

export function notLoaded(name: string, listed: readonly PayloadStatus[], { detail }: Detail = {}): XlpError {
  const loaded = listed.map((p) => p.name).join(', ') || 'none';
  return new XlpError('not-found', ExitCode.NOT_FOUND, `no payload named ${name} is loaded (loaded: ${loaded})`, {
    hint: "check the name with 'xlp list'",
    errno: Errno.ENOENT,
    ...(detail === undefined ? {} : { detail }),
  });
}

export const inFlight = (action: string, name: string, { detail }: Detail = {}): XlpError =>
  new XlpError('in-progress', ExitCode.BUSY, `cannot ${action} ${name}: an action on it is already in progress in the hypervisor`, {
    hint: 'wait until `xlp list` no longer shows it in progress, then retry',
    errno: Errno.EAGAIN,
    ...(detail === undefined ? {} : { detail }),
  });

export const wrongState = (action: string, name: string, state: string, { detail }: Detail = {}): XlpError =>
  new XlpError('wrong-state', ExitCode.WRONG_STATE, `cannot ${action} ${name}: it is ${state}`, {
    hint: action in STATE_HINTS ? STATE_HINTS[action as Action] : 'see `xlp list`',
    ...(detail === undefined ? {} : { detail }),
  });

/**
 * A revert of a payload that is not the top of the stack. `list` shows upload order, not apply
 * order, hence "also applied" and not "on top of it".
 */
export const notTop = (name: string, othersApplied: readonly string[], { detail }: Detail = {}): XlpError =>
  new XlpError('not-top', ExitCode.WRONG_STATE, `cannot revert ${name}: it is not the top of the applied stack (also applied: ${othersApplied.join(', ')})`, {
    hint: 'revert the payloads applied after it first (Xen reverts in reverse order of applying), or replace them all with one cumulative payload',
    errno: Errno.EBUSY,
    ...(detail === undefined ? {} : { detail }),
  });

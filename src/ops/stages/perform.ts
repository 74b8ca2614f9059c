/**
 * Runs one xen-livepatch action to its real end. xen-livepatch waits only 60 ms for the hypervisor,
 * then gives up with "Operation didn't complete." while Xen carries on; and it fails at once when
 * another action is in flight. Both are followed to the end here by polling `list` with bounded
 * backoff until --timeout, so callers get the true outcome instead of a guess. The outcome is
 * confirmed: the tool's "completed" rests on its own fresh GET of the payload's state, and a polled
 * end on the list itself.
 */
import { ExitCode, XlpError, isXlpError } from '../../errors.js';
import type { ActionOptions, Backend } from '../../host/backend.js';
import { Errno, describeErrno } from '../../model/errno.js';
import type { PayloadStatus, ToolOutput } from '../../model/types.js';
import { TARGET, presenceIn, type Action } from '../../model/vocabulary.js';
import { deadlineIn, pollUntil, type Deadline } from './wait.js';

export interface Performed {
  readonly outcome: 'done' | 'unchanged';
  /** The list polling ended on, when the action's end was learnt by polling (the state after, as listed). */
  readonly listed?: readonly PayloadStatus[];
}

export async function performAction(
  backend: Backend,
  timeoutMs: number,
  action: Action,
  name: string,
  options: ActionOptions,
  outputs: ToolOutput[],
): Promise<Performed> {
  const deadline = deadlineIn(timeoutMs);
  for (;;) {
    try {
      const result = await backend.action(action, name, options);
      outputs.push(result.output);
      return { outcome: result.outcome };
    } catch (error) {
      if (!isXlpError(error)) throw error;
      if (error.detail !== undefined) outputs.push(toolOutput(error.detail));
      if (error.code === 'incomplete') {
        const settled = await awaitSettled(backend, name, deadline, action);
        const payload = settled.find((p) => p.name === name);
        if (presenceIn(settled, name) === TARGET[action] && (payload?.rc ?? 0) === 0) return { outcome: 'done', listed: settled };
        if (payload?.rc !== Errno.EBUSY) throw asyncFailure(action, name, payload?.rc ?? 0, presenceIn(settled, name));
        // The CPUs failed to rendezvous in time: a fresh attempt may succeed.
      } else if (error.code === 'in-progress') {
        await awaitSettled(backend, name, deadline, action);
      } else if (error.code !== 'busy') {
        throw error;
      }
      if (Date.now() >= deadline.expiresAt) throw stillBusy(action, name, deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Polls until the payload's in-flight action (rc = EAGAIN) has finished one way or the other; returns that list. */
async function awaitSettled(backend: Backend, name: string, deadline: Deadline, action: Action): Promise<readonly PayloadStatus[]> {
  const settled = await pollUntil(deadline, async () => {
    const listed = await backend.list();
    return listed.find((p) => p.name === name)?.rc === Errno.EAGAIN ? undefined : listed;
  });
  if (settled === undefined) throw stillBusy(action, name, deadline);
  return settled;
}

function stillBusy(action: Action, name: string, deadline: Deadline): XlpError {
  return new XlpError('busy-timeout', ExitCode.BUSY, `${action} of ${name} did not finish: the hypervisor was still busy after ${deadline.timeoutMs / 1000} s`, {
    hint: "run 'xlp list' to see where it stands, retry later, or raise --timeout",
    errno: Errno.EBUSY,
  });
}

function asyncFailure(action: Action, name: string, rc: number, now: string): XlpError {
  if (rc === 0) {
    return new XlpError('unconfirmed', ExitCode.FAILED, `${action} of ${name} ended, but the hypervisor now lists it as ${now}`, {
      hint: "inspect with 'xlp list' and 'xl dmesg' before retrying",
    });
  }
  const rejected = rc === Errno.EINVAL || rc === Errno.EOPNOTSUPP;
  return new XlpError(rejected ? 'rejected' : 'failed', rejected ? ExitCode.REJECTED : ExitCode.FAILED, `${action} of ${name} failed in the hypervisor: ${describeErrno(rc)}`, {
    hint: "the hypervisor console says why: run 'xl dmesg | grep livepatch'",
    errno: rc,
  });
}

const toolOutput = (detail: NonNullable<XlpError['detail']>): ToolOutput => ({
  stdout: detail.stdout ?? '',
  stderr: detail.stderr ?? '',
  exitCode: detail.exitCode ?? -1,
});

/**
 * Runs one xen-livepatch action to its real end. xen-livepatch waits only 60 ms for the hypervisor,
 * then gives up with "Operation didn't complete." while Xen carries on; and it fails at once when
 * another action is in flight. Here both are followed to the end by polling `list` with bounded
 * backoff until --timeout, so callers get the true outcome instead of a guess.
 */
import { ExitCode, XlpError, isXlpError } from '../errors.js';
import type { ActionName, ActionOptions, PayloadStatus, ToolOutput } from '../host/backend.js';
import { Errno, errnoInfo } from '../model/errno.js';
import type { OperationContext } from './context.js';
import { deadlineIn, pollUntil, type Deadline } from './wait.js';

const EXPECTED: Record<ActionName, PayloadStatus['state'] | 'absent'> = {
  apply: 'APPLIED',
  replace: 'APPLIED',
  revert: 'CHECKED',
  unload: 'absent',
};

export async function performAction(
  ctx: OperationContext,
  action: ActionName,
  name: string,
  options: ActionOptions,
  outputs: ToolOutput[],
): Promise<'done' | 'unchanged'> {
  const deadline = deadlineIn(ctx.timeoutMs);
  for (;;) {
    try {
      const result = await ctx.backend.action(action, name, options);
      outputs.push(result.output);
      return result.outcome;
    } catch (error) {
      if (!isXlpError(error)) throw error;
      if (error.detail !== undefined) outputs.push(toolOutput(error.detail));
      if (error.code === 'incomplete') {
        const settled = await awaitSettled(ctx, name, deadline, action);
        if (settled.state === EXPECTED[action] && settled.rc === 0) return 'done';
        if (settled.rc !== Errno.EBUSY) throw asyncFailure(action, name, settled.rc);
        // The CPUs failed to rendezvous in time: a fresh attempt may succeed.
      } else if (error.code === 'in-progress') {
        await awaitSettled(ctx, name, deadline, action);
      } else if (error.code !== 'busy') {
        throw error;
      }
      if (Date.now() >= deadline.expiresAt) throw stillBusy(action, name, deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

type Settled = { state: PayloadStatus['state'] | 'absent'; rc: number };

/** Polls until the payload's in-flight action (rc = EAGAIN) has finished one way or the other. */
async function awaitSettled(ctx: OperationContext, name: string, deadline: Deadline, action: ActionName): Promise<Settled> {
  const settled = await pollUntil<Settled>(deadline, async () => {
    const payload = (await ctx.backend.list()).find((p) => p.name === name);
    if (payload === undefined) return { state: 'absent', rc: 0 };
    return payload.rc === Errno.EAGAIN ? undefined : { state: payload.state, rc: payload.rc };
  });
  if (settled === undefined) throw stillBusy(action, name, deadline);
  return settled;
}

function stillBusy(action: ActionName, name: string, deadline: Deadline): XlpError {
  return new XlpError('busy-timeout', ExitCode.BUSY, `${action} of ${name} did not finish: the hypervisor was still busy after ${deadline.timeoutMs / 1000} s`, {
    hint: "run 'xlp list' to see where it stands, retry later, or raise --timeout",
    errno: Errno.EBUSY,
  });
}

function asyncFailure(action: ActionName, name: string, rc: number): XlpError {
  const { name: errnoName, message } = errnoInfo(rc);
  const rejected = rc === Errno.EINVAL || rc === Errno.EOPNOTSUPP;
  return new XlpError(rejected ? 'rejected' : 'failed', rejected ? ExitCode.REJECTED : ExitCode.FAILED, `${action} of ${name} failed in the hypervisor: ${errnoName} (${message})`, {
    hint: "the hypervisor console says why: run 'xl dmesg | grep livepatch'",
    errno: rc,
  });
}

const toolOutput = (detail: NonNullable<XlpError['detail']>): ToolOutput => ({
  stdout: detail.stdout ?? '',
  stderr: detail.stderr ?? '',
  exitCode: detail.exitCode ?? -1,
});

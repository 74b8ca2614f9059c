/**
 * What an action would do, predicted for a dry run from the host's list (as the change would have
 * left it so far) and xlp's record of the stack order, refusing where the real run would be refused,
 * with the same error (src/model/refusals.ts).
 */
import { Errno } from '../../model/errno.js';
import { inFlight, notLoaded, notTop, wrongState } from '../../model/refusals.js';
import type { StageReport } from '../../model/reporter.js';
import type { PayloadStatus } from '../../model/types.js';
import { REQUIRES, TARGET, type Action } from '../../model/vocabulary.js';
import { gatherHostView } from '../../verify/host-view.js';
import type { Step } from '../step.js';
import type { Performed } from './perform.js';

export async function predictAction(step: Step, action: Action, listed: readonly PayloadStatus[], report: StageReport): Promise<Performed> {
  const payload = listed.find((p) => p.name === step.name);
  if (payload === undefined) throw notLoaded(step.name, listed);
  if (payload.rc === Errno.EAGAIN) throw inFlight(action, step.name);
  if (payload.state === TARGET[action]) return { outcome: 'unchanged' };
  if (payload.state !== REQUIRES[action]) throw wrongState(action, step.name, payload.state);
  if (action === 'revert') await refuseBelowTop(step, listed, report);
  return { outcome: 'done' };
}

/** Xen reverts only the top of the stack; `list` does not show the order, xlp's record may. */
async function refuseBelowTop(step: Step, listed: readonly PayloadStatus[], report: StageReport): Promise<void> {
  const others = listed.filter((p) => p.state === 'APPLIED' && p.name !== step.name).map((p) => p.name);
  if (others.length === 0) return;
  const { backend, records } = step.session.options;
  const order = (await gatherHostView(backend, records, listed)).appliedOrder;
  if (order === undefined) report.note(`not checked: whether ${step.name} is the top of the applied stack (payloads were applied outside xlp, so the order is unknown)`);
  else if (order.at(-1) !== step.name) throw notTop(step.name, others);
}

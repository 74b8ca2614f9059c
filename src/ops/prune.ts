/**
 * Prune: unload the CHECKED payloads nothing applies any more (those a replace demoted, those
 * reverted for good), as XenServer does after every replace: loaded payloads hold hypervisor memory
 * and make the list harder to read. Each unload is one journaled change of the session; the first
 * failure stops the prune.
 */
import { Errno } from '../model/errno.js';
import { validateName } from '../model/payload-name.js';
import type { KeptPayload, OperationResult, PruneResult } from '../model/results.js';
import { changePayload } from './operations.js';
import type { Session } from './session.js';

export interface PruneRequest {
  /** Names to leave loaded even when CHECKED. */
  readonly keep: readonly string[];
}

export async function prunePayloads(session: Session, request: PruneRequest): Promise<PruneResult> {
  const keep = new Set(request.keep.map(validateName));
  const listed = await session.backend.list();
  const kept: KeptPayload[] = [];
  const prunable: string[] = [];
  for (const payload of listed) {
    if (payload.state !== 'CHECKED') kept.push({ name: payload.name, why: payload.state === 'APPLIED' ? 'applied' : `its state is ${payload.state}` });
    else if (payload.rc === Errno.EAGAIN) kept.push({ name: payload.name, why: 'an action on it is in flight' });
    else if (keep.has(payload.name)) kept.push({ name: payload.name, why: 'kept by --keep' });
    else prunable.push(payload.name);
  }
  const unloaded: OperationResult[] = [];
  for (const name of prunable) unloaded.push(await changePayload(session, 'unload', { name }));
  return { host: session.backend.host, dryRun: session.dryRun, unloaded, kept };
}

import { ExitCode, XlpError, isXlpError } from '../errors.js';
import type { Backend } from '../host/backend.js';
import { Errno } from '../model/errno.js';
import { modinfoOf, patchLevel } from '../model/patch-level.js';
import type { PayloadStatus } from '../model/types.js';
import { viewOf } from '../model/payload-view.js';
import type { ListedPayload, ListResult, RunHolder } from '../model/results.js';
import type { HostRecord, PayloadRecords } from '../verify/store.js';
import { deadlineIn, pollUntil } from './stages/wait.js';

export interface ListRequest {
  /** xlp's record of the host. */
  readonly records: PayloadRecords;
  /** The run holding the host lock now, if one does. */
  readonly inProgress?: RunHolder;
  /** How long to wait for a busy hypervisor (listWhenFree). */
  readonly timeoutMs: number;
}

/**
 * `xlp list`: the hypervisor's payloads with what xlp's record of the host adds (each payload's
 * build-id, the order xlp applied them in, the .modinfo where Xen's list omits it), the patch level,
 * and the run changing the host right now, if one holds its lock. Read-only: a record that cannot be
 * read adds nothing.
 */
export async function listPayloads(backend: Backend, { records, inProgress, timeoutMs }: ListRequest): Promise<ListResult> {
  const payloads = await listWhenFree(backend, timeoutMs);
  const record = await records.read().catch((): HostRecord | undefined => undefined);
  const known = (name: string) => (Object.hasOwn(record?.payloads ?? {}, name) ? record?.payloads[name] : undefined);
  const modinfo = new Map(payloads.map((p) => [p.name, modinfoOf(p, known(p.name)?.modinfo)]));
  return {
    host: backend.host,
    inProgress: inProgress ?? null,
    payloads: payloads.map((p) => describePayload(p, known(p.name)?.buildId ?? null, modinfo.get(p.name) ?? [])),
    patchLevel: patchLevel(payloads, record?.applied ?? [], (name) => modinfo.get(name) ?? []),
  };
}

function describePayload(payload: PayloadStatus, buildId: string | null, modinfo: readonly string[]): ListedPayload {
  return {
    ...viewOf(payload),
    buildId,
    modinfo: Object.fromEntries(
      modinfo.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    ),
  };
}

/**
 * The hypervisor's list, asked again with bounded backoff while Xen answers EBUSY (a live-patch
 * action of another toolstack holds it: transient) until `timeoutMs` runs out; then exit 5, as
 * before, but only after the wait. 0 asks once. Any other failure is not waited out.
 */
export async function listWhenFree(backend: Backend, timeoutMs: number): Promise<readonly PayloadStatus[]> {
  let busy: XlpError | undefined;
  const listed = await pollUntil(deadlineIn(timeoutMs), async () => {
    try {
      return await backend.list();
    } catch (error) {
      if (!isXlpError(error) || error.code !== 'busy' || error.errno !== Errno.EBUSY) throw error;
      busy = error;
      return undefined;
    }
  });
  if (listed !== undefined) return listed;
  if (timeoutMs === 0 || busy === undefined) throw busy ?? new Error('the list was never read');
  throw new XlpError('busy-timeout', ExitCode.BUSY, `the hypervisor was still busy (EBUSY) after ${timeoutMs / 1000} s: xen-livepatch list could not read the payloads`, {
    hint: 'another live-patch action is running: retry later, or raise --timeout',
    errno: Errno.EBUSY,
    ...(busy.detail === undefined ? {} : { detail: busy.detail }),
  });
}

import type { Backend } from '../host/backend.js';
import { modinfoOf, patchLevel } from '../model/patch-level.js';
import type { PayloadStatus } from '../model/types.js';
import { viewOf } from '../model/payload-view.js';
import type { ListedPayload, ListResult, RunHolder } from '../model/results.js';
import type { HostRecord, PayloadRecords } from '../verify/store.js';

/**
 * `xlp list`: the hypervisor's payloads with what xlp's record of the host adds (each payload's
 * build-id, the order xlp applied them in, the .modinfo where Xen's list omits it), the patch level,
 * and the run changing the host right now, if one holds its lock. Read-only: a record that cannot be
 * read adds nothing.
 */
export async function listPayloads(backend: Backend, records: PayloadRecords, inProgress?: RunHolder): Promise<ListResult> {
  const payloads = await backend.list();
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

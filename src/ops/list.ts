import type { Backend } from '../host/backend.js';
import type { PayloadStatus } from '../model/types.js';
import { viewOf } from '../model/payload-view.js';
import type { ListedPayload, ListResult, RunHolder } from '../model/results.js';

/** `xlp list`: the hypervisor's payloads, and the run changing the host right now, if one holds its lock. */
export async function listPayloads(backend: Backend, inProgress?: RunHolder): Promise<ListResult> {
  const payloads = await backend.list();
  return { host: backend.host, ...(inProgress === undefined ? {} : { inProgress }), payloads: payloads.map(describePayload) };
}

function describePayload(payload: PayloadStatus): ListedPayload {
  return {
    ...viewOf(payload),
    modinfo: Object.fromEntries(
      payload.metadata.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    ),
  };
}

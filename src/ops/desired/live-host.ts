/**
 * The live state a plan starts from: what the hypervisor lists, with what xlp's record (reconciled
 * with the hypervisor, cross-checked with its console) vouches for: the bytes of each payload xlp
 * uploaded, whether it was reverted since, and the order it applied them in.
 */
import type { Backend } from '../../host/backend.js';
import type { LiveHost, PayloadFacts } from '../../model/desired.js';
import { gatherHostView } from '../../verify/host-view.js';
import type { PayloadRecord, PayloadRecords } from '../../verify/store.js';

export async function gatherLive(backend: Backend, records: PayloadRecords): Promise<LiveHost> {
  const listed = await backend.list();
  const view = await gatherHostView(backend, records, listed);
  return {
    xenBuildId: view.xenBuildId,
    payloads: listed.map((p) => {
      const record = view.vouched.get(p.name);
      return {
        name: p.name,
        state: p.state,
        rc: p.rc,
        ...(record === undefined ? {} : { vouched: factsOf(record) }),
        ...(record?.reverted === undefined ? {} : { reverted: record.reverted }),
      };
    }),
    stack: view.appliedOrder ?? view.recordedStack,
  };
}

/** What the record says of the bytes; a record from before xlp kept reappliability counts as not reappliable (the safe guess). */
const factsOf = (record: PayloadRecord): PayloadFacts => ({
  sha256: record.sha256,
  ...(record.buildId === undefined ? {} : { buildId: record.buildId }),
  ...(record.depends === undefined ? {} : { depends: record.depends }),
  ...(record.xenDepends === undefined ? {} : { xenDepends: record.xenDepends }),
  reappliable: record.reappliable ?? false,
});

import type { Backend, PayloadStatus } from '../host/backend.js';
import { viewOf, type PayloadView } from '../host/payload-view.js';

export interface ListedPayload extends PayloadView {
  /** The .modinfo strings as key/value pairs. */
  readonly modinfo: Readonly<Record<string, string>>;
}

export interface ListResult {
  readonly host: string;
  readonly payloads: readonly ListedPayload[];
}

export async function listPayloads(backend: Backend, host: string): Promise<ListResult> {
  const payloads = await backend.list();
  return { host, payloads: payloads.map(describePayload) };
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

import type { Backend, PayloadStatus } from '../host/backend.js';
import { errnoInfo } from '../host/errno.js';

export interface ListedPayload {
  readonly name: string;
  readonly state: PayloadStatus['state'];
  /** Positive errno of the last action, 0 when fine (EAGAIN while one is in flight). */
  readonly rc: number;
  readonly error?: { readonly errno: number; readonly name: string; readonly message: string };
  /** .modinfo strings as Xen lists them, and the same as key/value pairs. */
  readonly metadata: readonly string[];
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
    name: payload.name,
    state: payload.state,
    rc: payload.rc,
    ...(payload.rc === 0 ? {} : { error: errnoInfo(payload.rc) }),
    metadata: payload.metadata,
    modinfo: Object.fromEntries(
      payload.metadata.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    ),
  };
}

import type { PayloadStatus } from './types.js';
import { errnoInfo } from './errno.js';

/** A loaded payload as xlp shows it: the tool's row, with the last action's errno spelled out. */
export interface PayloadView {
  readonly name: string;
  readonly state: PayloadStatus['state'];
  /** Positive errno of the last action, 0 when fine (EAGAIN while one is in flight). */
  readonly rc: number;
  readonly error?: { readonly errno: number; readonly name: string; readonly message: string };
  /** .modinfo strings as Xen lists them. */
  readonly metadata: readonly string[];
}

export function viewOf(payload: PayloadStatus): PayloadView {
  return {
    name: payload.name,
    state: payload.state,
    rc: payload.rc,
    ...(payload.rc === 0 ? {} : { error: errnoInfo(payload.rc) }),
    metadata: payload.metadata,
  };
}

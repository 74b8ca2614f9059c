/**
 * The state after a successful apply, revert, unload or replace, without listing again: xen-livepatch
 * reports "completed" only after a fresh GET of the payload, and the host lock keeps other xlp runs
 * out, so the state after is the state before with that one change. Saves a tool run per change.
 */
import type { PayloadStatus } from '../host/backend.js';
import type { AuditOperation } from './types.js';

export function stateAfterAction(before: readonly PayloadStatus[], operation: AuditOperation, name: string): PayloadStatus[] | undefined {
  const set = (state: PayloadStatus['state']) => (p: PayloadStatus): PayloadStatus => (p.name === name ? { ...p, state, rc: 0 } : p);
  switch (operation) {
    case 'apply':
      return before.map(set('APPLIED'));
    case 'revert':
      return before.map(set('CHECKED'));
    case 'unload':
      return before.filter((p) => p.name !== name);
    case 'replace':
      return before.map((p) => (p.name === name ? { ...p, state: 'APPLIED', rc: 0 } : p.state === 'APPLIED' ? { ...p, state: 'CHECKED', rc: 0 } : p));
    default:
      // upload and load list the host in their confirm stage.
      return undefined;
  }
}

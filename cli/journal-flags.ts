/**
 * Which journal the audit commands read: the audit.log setting (--audit-log, XLP_AUDIT_LOG, the
 * config), else the default of the host world named by the backend setting (the real host's state
 * directory, or the simulated host's own root).
 */
import type { Settings } from '../src/config/resolve.js';
import { auditLogFlag, hostFlags } from './host-command.js';
import { placesOf } from './places.js';

export const journalFlags = { ...auditLogFlag, backend: hostFlags.backend, 'sim-state': hostFlags['sim-state'] };

export const journalOf = (settings: Settings, flags: { 'sim-state'?: string }): string => placesOf(settings, flags).journal;

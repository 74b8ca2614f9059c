/**
 * Which journal the audit commands read: --audit-log, else the default of the host world named by
 * --backend (the real host's state directory, or the simulated host's own root).
 */
import { placesFor } from '../src/paths.js';
import { auditLogFlag, hostFlags } from './host-command.js';

export const journalFlags = { ...auditLogFlag, backend: hostFlags.backend, 'sim-state': hostFlags['sim-state'] };

export const journalOf = (flags: { backend: string; 'sim-state'?: string; 'audit-log'?: string }): string =>
  placesFor({ sim: flags.backend === 'sim', simState: flags['sim-state'], auditLog: flags['audit-log'] }).journal;

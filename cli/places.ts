/** Where a run keeps its files (src/paths.ts), from its settings: the backend decides between the real host's directories and the sim root. */
import type { Settings } from '../src/config/resolve.js';
import { placesFor, type Places } from '../src/paths.js';

export const placesOf = (settings: Settings, flags: { 'sim-state'?: string }): Places =>
  placesFor({ sim: settings.get('host.backend').value === 'sim', simState: flags['sim-state'], auditLog: settings.get('audit.log')?.value });

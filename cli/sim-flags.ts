import * as Flags from '@oclif/core/flags';
import { resolveStatePath } from '../src/host/sim/state-store.js';

export const simStateFlag = {
  'sim-state': Flags.string({ env: 'XLP_SIM_STATE', summary: 'State file of the simulated host (default: state.json in the sim root, see docs/architecture.md).' }),
};

export const simStatePath = (flags: { 'sim-state'?: string }): string => resolveStatePath(flags['sim-state']);

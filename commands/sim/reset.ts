import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../../cli/base-command.js';
import { simStateFlag, simStatePath } from '../../cli/sim-flags.js';
import { initSimState } from '../../src/host/sim/admin.js';

export default class SimReset extends BaseCommand {
  static override summary = 'Start the simulated host afresh: no payloads, no faults, an empty console.';
  static override description = 'The simulated hypervisor gets the build-id and Xen version given, or a random build-id and the default version. Build payloads for it with the build-id `xlp sim show` (or `bin/sim/xl info`) prints.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --build-id 151b373fd64b321593bf987fd923cd10dabadac4 --xen-version 4.17.7',
  ];
  static override flags = {
    ...simStateFlag,
    'build-id': Flags.string({ summary: "The simulated hypervisor's build-id (hex); random when omitted." }),
    'xen-version': Flags.string({ summary: 'The simulated Xen version, e.g. 4.19.1, 4.17.7 or 4.13.5 (it decides the tool output format).' }),
  };

  async run(): Promise<{ statePath: string; xenBuildId: string; xenVersion?: string }> {
    const { flags } = await this.parse(SimReset);
    const statePath = simStatePath(flags);
    const state = await initSimState(statePath, { buildId: flags['build-id'], xenVersion: flags['xen-version'] });
    this.log(`Simulated host reset in ${statePath}: build-id ${state.xenBuildId || '(none)'}.`);
    return { statePath, xenBuildId: state.xenBuildId, ...(state.xenVersion === undefined ? {} : { xenVersion: state.xenVersion }) };
  }
}
